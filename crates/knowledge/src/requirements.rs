//! The role's requirements, read from the job description's own bullets: interview questions
//! are built from these, and the feedback report scores against them. Nothing here is
//! invented: each requirement is a bullet the admin wrote, with the chunk it came from.

use crate::chunk::{self, Chunk};
use crate::terms;
use serde::{Deserialize, Serialize};

/// Interviews cover at most this many requirements.
pub const MAX_REQUIREMENTS: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DerivedRequirement {
    /// `r1`, `r2`... in document order.
    pub id: String,
    /// A short label for the report: the technology it names, else its first content words.
    pub competency: String,
    /// The bullet as written.
    pub text: String,
    /// Words whose presence in an answer is evidence about this requirement.
    pub keywords: Vec<String>,
    /// Position of the chunk the bullet is in, so the report can cite it.
    pub chunk_position: usize,
}

/// Why a document has no usable requirements.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("No requirements found: add a section headed \"Requirements\" (or \"What you will do\") with a bulleted list of at least two skills.")]
pub struct NoRequirements;

const REQUIREMENT_HEADINGS: &[&str] = &[
    "requirement",
    "qualification",
    "you have",
    "you bring",
    "what you need",
    "what you'll need",
    "what we're looking for",
    "what we are looking for",
    "must have",
    "skills",
    "about you",
    "experience",
];
const DUTY_HEADINGS: &[&str] = &[
    "what you will do",
    "what you'll do",
    "responsibilit",
    "the role",
    "your role",
    "day to day",
    "you will",
];

fn heading_matches(section: &str, wanted: &[&str]) -> bool {
    let last = section.rsplit(" > ").next().unwrap_or("").to_lowercase();
    wanted.iter().any(|w| last.contains(w))
}

fn bullets(chunks: &[Chunk], wanted: &[&str]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for c in chunks
        .iter()
        .filter(|c| heading_matches(&c.section, wanted))
    {
        for line in c.text.lines() {
            if let Some(b) = line.strip_prefix("- ") {
                if !out.iter().any(|(t, _)| t == b) {
                    out.push((b.to_owned(), c.position));
                }
            }
        }
    }
    out
}

const TECH_LABELS: &[(&str, &str)] = &[
    ("rust", "Rust"),
    ("go", "Go"),
    ("golang", "Go"),
    ("python", "Python"),
    ("java", "Java"),
    ("kotlin", "Kotlin"),
    ("typescript", "TypeScript"),
    ("postgresql", "PostgreSQL"),
    ("postgres", "PostgreSQL"),
    ("mysql", "MySQL"),
    ("kafka", "Kafka"),
    ("kubernetes", "Kubernetes"),
    ("terraform", "Terraform"),
    ("aws", "AWS"),
    ("gcp", "GCP"),
    ("redis", "Redis"),
    ("spark", "Spark"),
    ("airflow", "Airflow"),
    ("prometheus", "Observability"),
    ("opentelemetry", "Observability"),
    ("grpc", "APIs"),
    ("api", "APIs"),
    ("apis", "APIs"),
    ("sql", "SQL"),
    ("linux", "Linux"),
    ("security", "Security"),
    ("pytorch", "PyTorch"),
];

fn competency(text: &str) -> String {
    let words = terms::words(text);
    for w in &words {
        if let Some((_, label)) = TECH_LABELS.iter().find(|(k, _)| k == w) {
            return (*label).to_owned();
        }
    }
    let content: Vec<String> = words
        .iter()
        .filter(|w| {
            !terms::is_stop(w)
                && w.chars().any(char::is_alphabetic)
                && w.len() > 2
                && ![
                    "years",
                    "year",
                    "experience",
                    "strong",
                    "solid",
                    "good",
                    "deep",
                    "building",
                ]
                .contains(&w.as_str())
        })
        .take(2)
        .cloned()
        .collect();
    let mut label = content.join(" ");
    if let Some(first) = label.get(..1) {
        label = first.to_uppercase() + &label[1..];
    }
    if label.is_empty() {
        "General".into()
    } else {
        label
    }
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

/// The requirements of a job description: the bullets of its requirements section, else of its
/// duties section.
pub fn derive(chunks: &[Chunk]) -> Result<Vec<DerivedRequirement>, NoRequirements> {
    let mut found = bullets(chunks, REQUIREMENT_HEADINGS);
    if found.len() < 2 {
        found = bullets(chunks, DUTY_HEADINGS);
    }
    if found.len() < 2 {
        return Err(NoRequirements);
    }
    Ok(found
        .into_iter()
        .take(MAX_REQUIREMENTS)
        .enumerate()
        .map(|(i, (text, position))| DerivedRequirement {
            id: format!("r{}", i + 1),
            competency: competency(&text),
            keywords: keywords(&text),
            text,
            chunk_position: position,
        })
        .collect())
}

/// Convenience for callers holding the text.
pub fn derive_from_text(text: &str) -> Result<Vec<DerivedRequirement>, NoRequirements> {
    derive(&chunk::chunk(text))
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
        assert_eq!(reqs.len(), 3);
        assert_eq!(reqs[0].id, "r1");
        assert_eq!(reqs[0].text, "5+ years building services in Rust or Go");
        assert_eq!(reqs[0].competency, "Rust");
        assert_eq!(reqs[1].competency, "PostgreSQL");
        assert!(
            reqs[1].keywords.contains(&"index".to_owned()),
            "{:?}",
            reqs[1].keywords
        );
        assert_eq!(title(text), "Search Engineer");
    }

    #[test]
    fn duties_stand_in_when_there_is_no_requirements_section() {
        let text = "# Role\n\n## Responsibilities\n- Design event schemas\n- Operate the stream processors\n";
        let reqs = derive_from_text(text).expect("requirements");
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].competency, "Design event");
    }

    #[test]
    fn a_document_without_bullets_is_refused_with_advice() {
        let err = derive_from_text("# Role\n\nWe need someone good.").expect_err("refused");
        assert!(err.to_string().contains("Requirements"));
    }
}
