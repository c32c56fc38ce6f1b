//! The feedback report: a 1-5 score per requirement resting on evidence anyone can check, the
//! candidate's own sentence quoted verbatim. The rubric is deliberately simple and visible:
//! - 1: no answer, or fewer than 10 words;
//! - +1 for each distinct requirement keyword used, up to +2;
//! - +1 for a developed answer (60 words or more);
//! - +1 for concrete experience (an example, a number, "we"/"I" did something).

use crate::roles::{Requirement, Role};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompetencyScore {
    pub requirement_id: String,
    pub competency: String,
    pub requirement: String,
    pub score: u8,
    /// The candidate's sentence that best supports the score, verbatim; None when nothing does.
    pub evidence: Option<String>,
    /// Why this score, in words.
    pub rationale: String,
    /// Where the job description states the requirement (section and chunk), for uploaded roles.
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub scores: Vec<CompetencyScore>,
    pub overall: f32,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
}

fn keyword_hits(text: &str, requirement: &Requirement) -> Vec<String> {
    let lower = text.to_lowercase();
    requirement
        .keywords
        .iter()
        .filter(|k| lower.contains(k.as_str()))
        .cloned()
        .collect()
}

fn concrete(text: &str) -> bool {
    let lower = format!(" {} ", text.to_lowercase());
    text.chars().any(|c| c.is_ascii_digit())
        || [
            " for example",
            " for instance",
            " we ",
            " i built",
            " i designed",
            " i led",
            " i wrote",
            " i ran",
            " in my last",
            " at my previous",
        ]
        .iter()
        .any(|m| lower.contains(m))
}

fn best_sentence(text: &str, requirement: &Requirement) -> Option<String> {
    text.split_inclusive(['.', '!', '?', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .max_by_key(|s| keyword_hits(s, requirement).len())
        .filter(|s| !keyword_hits(s, requirement).is_empty())
        .map(|s| {
            if s.chars().count() > 240 {
                format!("{}…", s.chars().take(240).collect::<String>())
            } else {
                s.to_owned()
            }
        })
}

/// Scores `answers`: for each requirement, everything the candidate said in answer to the
/// questions about it.
pub fn score(role: &Role, answers: &[(String, String)]) -> Report {
    let mut scores = Vec::new();
    for requirement in &role.requirements {
        let text: String = answers
            .iter()
            .filter(|(id, _)| id == &requirement.id)
            .map(|(_, a)| a.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let asked = answers.iter().any(|(id, _)| id == &requirement.id);
        if !asked {
            continue;
        }
        let words = text.split_whitespace().count();
        let hits = keyword_hits(&text, requirement);
        let (score, rationale) = if words < 10 {
            (
                1u8,
                "The answer was too short to show this requirement.".to_owned(),
            )
        } else {
            let mut s = 1 + hits.len().min(2) as u8;
            let mut why = vec![if hits.is_empty() {
                "no key terms of the requirement".to_owned()
            } else {
                format!("used {}", hits.join(", "))
            }];
            if words >= 60 {
                s += 1;
                why.push("developed the answer".into());
            }
            if concrete(&text) {
                s += 1;
                why.push("gave concrete experience".into());
            }
            (s.min(5), format!("{}.", capitalise(&why.join("; "))))
        };
        scores.push(CompetencyScore {
            requirement_id: requirement.id.clone(),
            competency: requirement.competency.clone(),
            requirement: requirement.text.clone(),
            score,
            evidence: best_sentence(&text, requirement),
            rationale,
            source: requirement.source.clone(),
        });
    }
    let overall = if scores.is_empty() {
        0.0
    } else {
        scores.iter().map(|s| f32::from(s.score)).sum::<f32>() / scores.len() as f32
    };
    let strengths = scores
        .iter()
        .filter(|s| s.score >= 4)
        .map(|s| format!("{}: {}", s.competency, s.rationale))
        .collect();
    let improvements = scores
        .iter()
        .filter(|s| s.score <= 3)
        .map(|s| {
            format!(
                "{}: give a concrete example of how you {}.",
                s.competency,
                lower_first(&s.requirement)
            )
        })
        .collect();
    Report {
        scores,
        overall,
        strengths,
        improvements,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles;

    #[test]
    fn scores_rest_on_quoted_evidence() {
        let role = roles::find("backend-rust").expect("role");
        let strong = "In my last job we built an async payments service in Rust on tokio. \
            We handled 3000 requests a second with bounded channels, and ownership rules kept buffers safe. \
            I wrote the retry layer and the timeouts, and we measured p99 latency before and after every change \
            so that regressions were caught in review rather than in production, which mattered for the team.";
        let report = score(
            &role,
            &[
                ("r1".into(), strong.into()),
                ("r2".into(), "I don't know.".into()),
            ],
        );
        assert_eq!(report.scores.len(), 2, "only asked requirements are scored");
        let r1 = &report.scores[0];
        assert_eq!(r1.score, 5, "{r1:?}");
        let evidence = r1.evidence.as_deref().expect("evidence");
        assert!(
            strong.contains(evidence),
            "evidence is quoted verbatim: {evidence}"
        );
        let r2 = &report.scores[1];
        assert_eq!(r2.score, 1);
        assert!(r2.evidence.is_none());
        assert_eq!(report.overall, 3.0);
        assert_eq!(report.strengths.len(), 1);
        assert!(report.improvements[0].starts_with("Databases: give a concrete example"));
    }
}
