//! The role's requirements, read from the job description's own lines: interview questions
//! are built from these, and the feedback report scores against them. Nothing here is
//! invented: each requirement is a line or sentence the admin wrote, with the chunk it came
//! from.

use crate::chunk::{self, Chunk};
use crate::requirement_lines::{self, SectionKind};
use crate::terms;
use serde::{Deserialize, Serialize};

/// Interviews cover at most this many requirements.
pub const MAX_REQUIREMENTS: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DerivedRequirement {
    /// `r1`, `r2`... in document order.
    pub id: String,
    /// The label of its competency, from the closed list in [`crate::competency`].
    pub competency: String,
    /// The bullet as written.
    pub text: String,
    /// Words whose presence in an answer is evidence about this requirement.
    pub keywords: Vec<String>,
    /// Position of the chunk the bullet is in, so the report can cite it.
    pub chunk_position: usize,
    /// The points a strong answer covers, as an admin listed them; empty means the points are
    /// read from the requirement's own wording.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expected_points: Vec<String>,
}

/// Why a document has no usable requirements.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("No requirements found: state at least two things the candidate needs, as a list under a heading such as \"Requirements\", or in sentences such as \"You have experience with PostgreSQL.\"")]
pub struct NoRequirements;

/// Which requirement lines an interview covers first when there are more than
/// [`MAX_REQUIREMENTS`]: the requirements themselves, then duties, then lines found elsewhere,
/// then the extras.
fn priority(kind: SectionKind) -> u8 {
    match kind {
        SectionKind::Requirements => 0,
        SectionKind::Duties => 1,
        SectionKind::Untitled | SectionKind::Other => 2,
        SectionKind::Extras => 3,
        SectionKind::Excluded => 4,
    }
}

/// The chunk that holds `line`, for citations: the first whose text contains it (its first
/// words, for a line the chunker joined with others), else the first chunk.
fn chunk_of(chunks: &[Chunk], line: &str) -> usize {
    let head: String = line
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join(" ");
    chunks
        .iter()
        .find(|c| c.text.contains(line))
        .or_else(|| {
            chunks.iter().find(|c| {
                c.text
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .contains(&head)
            })
        })
        .map(|c| c.position)
        .unwrap_or(0)
}

fn competency(text: &str) -> String {
    crate::competency::Competency::of(text).label().to_owned()
}

fn keywords(text: &str) -> Vec<String> {
    terms::words(text)
        .into_iter()
        .filter(|w| {
            !terms::is_stop(w)
                && w.len() > 2
                && w.chars().any(char::is_alphabetic)
                && !["years", "year", "experience", "strong", "solid", "good"].contains(&w.as_str())
        })
        .map(|w| terms::stem(&w))
        .fold(Vec::new(), |mut acc, w| {
            if !acc.contains(&w) {
                acc.push(w);
            }
            acc
        })
}

/// The requirements of a job description, read from its lists, labelled lines and prose (see
/// [`requirement_lines`]): up to [`MAX_REQUIREMENTS`], chosen by [`priority`], kept in
/// document order.
pub fn derive_from_text(text: &str) -> Result<Vec<DerivedRequirement>, NoRequirements> {
    let found = requirement_lines::find(text);
    if found.len() < 2 {
        return Err(NoRequirements);
    }
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by_key(|&i| (priority(found[i].kind), i));
    let mut chosen: Vec<usize> = order.into_iter().take(MAX_REQUIREMENTS).collect();
    chosen.sort_unstable();
    let chunks = chunk::chunk(text);
    Ok(chosen
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let text = found[f].text.trim_end_matches('.').to_owned();
            DerivedRequirement {
                id: format!("r{}", i + 1),
                competency: competency(&text),
                keywords: keywords(&text),
                chunk_position: chunk_of(&chunks, &found[f].text),
                text,
                expected_points: Vec::new(),
            }
        })
        .collect())
}

/// The longest requirement an admin may write.
pub const MAX_REQUIREMENT_CHARS: usize = 300;

/// The most points an admin may list under one requirement, and the longest one.
pub const MAX_POINTS: usize = 8;
pub const MAX_POINT_CHARS: usize = 200;

/// The requirements an admin edited for a version (dropping one leaves it out, merging two
/// writes one line for both), checked and labelled like derived ones. A line indented under a
/// requirement ("  - indexes for the hot queries") is a point a strong answer covers: listed
/// points replace the ones read from the requirement's wording when answers are scored. Err is
/// the sentence to show the admin.
pub fn from_lines(body: &str, lines: &[String]) -> Result<Vec<DerivedRequirement>, String> {
    let mut items: Vec<(String, Vec<String>)> = Vec::new();
    for raw in lines {
        let indented = raw.starts_with([' ', '\t']);
        let line = raw
            .trim()
            .trim_start_matches(['-', '*', '•'])
            .trim()
            .to_owned();
        if line.is_empty() {
            continue;
        }
        if indented {
            match items.last_mut() {
                Some((_, points)) => points.push(line),
                None => {
                    return Err(
                        "An indented point comes before any requirement: write the requirement on the line above it, not indented."
                            .into(),
                    )
                }
            }
        } else {
            items.push((line, Vec::new()));
        }
    }
    if items.len() < 2 {
        return Err("Keep at least two requirements: an interview asks about two or more.".into());
    }
    if items.len() > MAX_REQUIREMENTS {
        return Err(format!(
            "An interview covers at most {MAX_REQUIREMENTS} requirements: merge or drop {}.",
            items.len() - MAX_REQUIREMENTS
        ));
    }
    for (i, (line, points)) in items.iter().enumerate() {
        if line.chars().count() > MAX_REQUIREMENT_CHARS {
            return Err(format!(
                "Requirement {} is too long ({MAX_REQUIREMENT_CHARS} characters at most).",
                i + 1
            ));
        }
        if line.split_whitespace().count() < 2 || !line.chars().any(char::is_alphabetic) {
            return Err(format!("Requirement {} is too short to ask about.", i + 1));
        }
        if line.chars().any(char::is_control) {
            return Err(format!(
                "Requirement {} contains control characters.",
                i + 1
            ));
        }
        if let Some(j) = items[..i]
            .iter()
            .position(|(l, _)| l.eq_ignore_ascii_case(line))
        {
            return Err(format!(
                "Requirement {} repeats requirement {}.",
                i + 1,
                j + 1
            ));
        }
        if points.len() > MAX_POINTS {
            return Err(format!(
                "Requirement {} lists {} points; keep at most {MAX_POINTS}.",
                i + 1,
                points.len()
            ));
        }
        for point in points {
            if point.chars().count() > MAX_POINT_CHARS
                || !point.chars().any(char::is_alphabetic)
                || point.chars().any(char::is_control)
            {
                return Err(format!(
                    "A point under requirement {} is not usable: write a few words, at most {MAX_POINT_CHARS} characters.",
                    i + 1
                ));
            }
        }
    }
    let chunks = chunk::chunk(body);
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, (line, points))| {
            let text = line.trim_end_matches('.').to_owned();
            DerivedRequirement {
                id: format!("r{}", i + 1),
                competency: competency(&text),
                keywords: keywords(&text),
                chunk_position: chunk_of(&chunks, &line),
                text,
                expected_points: points
                    .into_iter()
                    .map(|p| p.trim_end_matches('.').to_owned())
                    .collect(),
            }
        })
        .collect())
}

/// The document's title: its first heading, else its first line.
pub fn title(text: &str) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("Untitled role");
    first
        .trim_start_matches('#')
        .trim()
        .chars()
        .take(120)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_come_from_the_requirements_bullets() {
        let text = "# Search Engineer\n\n## What you will do\n- Own the indexing pipeline\n- Run the cluster\n\n## Requirements\n- 5+ years building services in Rust or Go\n- Deep knowledge of PostgreSQL indexes\n- Experience operating Kafka consumers\n";
        let reqs = derive_from_text(text).expect("requirements");
        let texts: Vec<&str> = reqs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "Own the indexing pipeline",
                "Run the cluster",
                "5+ years building services in Rust or Go",
                "Deep knowledge of PostgreSQL indexes",
                "Experience operating Kafka consumers"
            ]
        );
        assert_eq!(reqs[2].id, "r3");
        assert_eq!(reqs[2].competency, "Programming languages");
        assert_eq!(reqs[3].competency, "Databases and data modelling");
        assert!(
            reqs[3].keywords.contains(&"index".to_owned()),
            "{:?}",
            reqs[3].keywords
        );
        assert_eq!(title(text), "Search Engineer");
    }

    #[test]
    fn requirements_come_first_when_there_are_too_many() {
        let mut text = String::from("# Role\n\n## What you'll do\n");
        for i in 0..5 {
            text.push_str(&format!("- Duty number {i} of the job\n"));
        }
        text.push_str("\n## Requirements\n- Rust in production\n- PostgreSQL schemas\n");
        let reqs = derive_from_text(&text).expect("requirements");
        assert_eq!(reqs.len(), MAX_REQUIREMENTS);
        assert!(reqs.iter().any(|r| r.text == "Rust in production"));
        assert!(reqs.iter().any(|r| r.text == "PostgreSQL schemas"));
    }

    #[test]
    fn edited_requirements_are_checked() {
        let body = "# Role\n\n## Requirements\n- Rust in production\n- PostgreSQL schemas\n";
        let lines = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let reqs = from_lines(
            body,
            &lines(&[
                "- Rust and PostgreSQL in production",
                "Clear written English",
            ]),
        )
        .expect("valid");
        assert_eq!(reqs[0].text, "Rust and PostgreSQL in production");
        assert_eq!(reqs[1].id, "r2");
        assert!(from_lines(body, &lines(&["Only one thing"]))
            .expect_err("refused")
            .contains("at least two"));
        assert!(from_lines(body, &lines(&["Rust", "Go code"]))
            .expect_err("refused")
            .contains("too short"));
        assert!(from_lines(body, &lines(&["Go code", "go code"]))
            .expect_err("refused")
            .contains("repeats"));
        let many: Vec<String> = (0..7).map(|i| format!("Thing number {i}")).collect();
        assert!(from_lines(body, &many)
            .expect_err("refused")
            .contains("merge or drop 1"));
    }

    #[test]
    fn duties_stand_in_when_there_is_no_requirements_section() {
        let text = "# Role\n\n## Responsibilities\n- Design event schemas\n- Operate the stream processors\n";
        let reqs = derive_from_text(text).expect("requirements");
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].competency, "Databases and data modelling");
    }

    #[test]
    fn a_document_that_states_no_requirements_is_refused_with_advice() {
        let err = derive_from_text("# Role\n\nWe need someone good.").expect_err("refused");
        assert!(err.to_string().contains("Requirements"));
    }

    #[test]
    fn indented_lines_are_the_points_a_strong_answer_covers() {
        let lines: Vec<String> = [
            "Design PostgreSQL schemas for high write volume",
            "  - indexes for the hot queries",
            "\t* short transactions.",
            "Operate services in production",
        ]
        .iter()
        .map(|l| l.to_string())
        .collect();
        let reqs = from_lines("", &lines).expect("requirements");
        assert_eq!(reqs.len(), 2);
        assert_eq!(
            reqs[0].expected_points,
            vec!["indexes for the hot queries", "short transactions"]
        );
        assert!(reqs[1].expected_points.is_empty());
        let orphan = vec!["  - a point".to_owned(), "One thing".to_owned()];
        assert!(from_lines("", &orphan)
            .expect_err("refused")
            .contains("before any requirement"));
        let mut many = vec!["Design PostgreSQL schemas".to_owned()];
        many.extend((0..9).map(|i| format!("  - point {i}")));
        many.push("Operate services".to_owned());
        assert!(from_lines("", &many)
            .expect_err("refused")
            .contains("at most 8"));
    }
}
