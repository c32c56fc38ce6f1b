//! Finds the lines of a job description that state a requirement, whatever the format: bullets
//! and numbered lists, a "Requirements:" label followed by plain lines, and prose sentences.
//! Real postings mix them, and many are prose only. Not every sentence is a requirement: the
//! company's story, its stack, the benefits and the hiring process are not, and the test in
//! `tests/requirement_extraction.rs` measures precision and recall on labelled postings.

use crate::chunk;

mod cues;

use cues::{has_cue, is_distractor};

/// Where in the posting a line sits, by its heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    /// "Requirements", "About you", "What you'll need".
    Requirements,
    /// "What you'll do", "Responsibilities".
    Duties,
    /// "Nice to have", "Bonus points".
    Extras,
    /// "Benefits", "About us", "How to apply": never requirements.
    Excluded,
    /// Any other heading.
    Other,
    /// Before any heading (besides the title).
    Untitled,
}

/// How a line was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Bullet,
    /// One of several short lines under a label, without list markers.
    Line,
    Sentence,
}

/// One requirement line, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub text: String,
    pub kind: SectionKind,
    pub form: Form,
}

const REQUIREMENT_HEADINGS: &[&str] = &[
    "requirement",
    "qualification",
    "you have",
    "you bring",
    "what you need",
    "what you'll need",
    "what you will need",
    "looking for",
    "must have",
    "skills",
    "about you",
    "experience",
    "who you are",
    "your profile",
    "the ideal candidate",
    "what we need",
    "you are",
    "you'll have",
];
const DUTY_HEADINGS: &[&str] = &[
    "what you will do",
    "what you'll do",
    "responsibilit",
    "the role",
    "your role",
    "day to day",
    "day-to-day",
    "you will",
    "your mission",
    "what you'll work on",
    "the job",
    "duties",
];
const EXTRA_HEADINGS: &[&str] = &[
    "nice to have",
    "nice-to-have",
    "bonus",
    "plus",
    "preferred",
    "desirable",
    "extra credit",
];
const EXCLUDED_HEADINGS: &[&str] = &[
    "benefit",
    "perks",
    "what we offer",
    "we offer",
    "about us",
    "who we are",
    "compensation",
    "salary",
    "how to apply",
    "apply",
    "process",
    "equal",
    "location",
    "company",
    "our team",
    "why join",
    "why us",
    "life at",
    "culture",
    "our stack",
    "tech stack",
    "diversity",
];

fn kind_of(heading: &str) -> SectionKind {
    let h = heading.to_lowercase();
    let has = |list: &[&str]| list.iter().any(|w| h.contains(w));
    if has(EXTRA_HEADINGS) {
        SectionKind::Extras
    } else if has(REQUIREMENT_HEADINGS) {
        SectionKind::Requirements
    } else if has(DUTY_HEADINGS) {
        SectionKind::Duties
    } else if has(EXCLUDED_HEADINGS) {
        SectionKind::Excluded
    } else {
        SectionKind::Other
    }
}

/// A paragraph that is really a list: several short lines, most without a closing stop.
fn is_line_list(lines: &[String]) -> bool {
    lines.len() >= 2
        && lines
            .iter()
            .filter(|l| !l.ends_with('.') || l.split_whitespace().count() <= 12)
            .count()
            * 3
            >= lines.len() * 2
}

/// "Nice to have: Kafka and Flink." — a label opening a paragraph sets its kind.
fn inline_label(paragraph: &str) -> Option<(SectionKind, String)> {
    let (label, rest) = paragraph.split_once(':')?;
    if label.split_whitespace().count() > 5 || rest.trim().is_empty() {
        return None;
    }
    match kind_of(label) {
        SectionKind::Other => None,
        kind => Some((kind, rest.trim().to_owned())),
    }
}

fn wanted(text: &str, kind: SectionKind, form: Form) -> bool {
    if is_distractor(text) {
        return false;
    }
    match (kind, form) {
        (SectionKind::Excluded, _) => false,
        (SectionKind::Requirements | SectionKind::Extras, _) => true,
        (SectionKind::Duties, Form::Bullet | Form::Line) => true,
        (SectionKind::Untitled, Form::Bullet | Form::Line) => true,
        _ => has_cue(text),
    }
}

fn push(out: &mut Vec<Found>, text: &str, kind: SectionKind, form: Form) {
    let text = text.trim().trim_start_matches(['-', '*', '•']).trim();
    if text.split_whitespace().count() < 2 || !text.chars().any(char::is_alphabetic) {
        return;
    }
    if wanted(text, kind, form) && !out.iter().any(|f| f.text == text) {
        out.push(Found {
            text: text.to_owned(),
            kind,
            form,
        });
    }
}

fn flush(out: &mut Vec<Found>, paragraph: &mut Vec<String>, kind: SectionKind) {
    if paragraph.is_empty() {
        return;
    }
    let lines = std::mem::take(paragraph);
    if kind != SectionKind::Untitled && kind != SectionKind::Other && is_line_list(&lines) {
        for line in &lines {
            push(out, line, kind, Form::Line);
        }
        return;
    }
    let joined = lines.join(" ");
    let (kind, body) = match inline_label(&joined) {
        Some((k, rest)) => (k, rest),
        None => (kind, joined),
    };
    for sentence in chunk::sentences(&body) {
        push(out, &sentence, kind, Form::Sentence);
    }
}

/// A short first line without a closing stop: "Data Pipeline Engineer".
fn looks_like_title(line: &str) -> bool {
    !line.starts_with('#')
        && chunk::heading(line).is_none()
        && chunk::bullet(line).is_none()
        && line.split_whitespace().count() <= 8
        && !line.ends_with(['.', ':', '!', '?'])
}

/// Every requirement line of `text`, in document order.
pub fn find(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut kind = SectionKind::Untitled;
    let mut paragraph: Vec<String> = Vec::new();
    let mut titled = false;
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            flush(&mut out, &mut paragraph, kind);
            continue;
        }
        // Plain text (pasted, or read from a PDF) opens with its title on a line of its own.
        if !titled && out.is_empty() && paragraph.is_empty() && looks_like_title(t) {
            titled = true;
            continue;
        }
        if let Some((level, h)) = chunk::heading(t) {
            flush(&mut out, &mut paragraph, kind);
            if level == 1 && !titled {
                titled = true;
            } else {
                kind = kind_of(&h);
            }
            continue;
        }
        if let Some(b) = chunk::bullet(line) {
            flush(&mut out, &mut paragraph, kind);
            push(&mut out, &b, kind, Form::Bullet);
            continue;
        }
        paragraph.push(t.to_owned());
    }
    flush(&mut out, &mut paragraph, kind);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(found: &[Found]) -> Vec<&str> {
        found.iter().map(|f| f.text.as_str()).collect()
    }

    #[test]
    fn prose_sentences_about_the_candidate_are_found_and_the_rest_are_not() {
        let text = "# Payments Engineer\n\nWe are a small fintech founded in 2019. We use Rust and Go across our services.\n\n\
            You have five years of experience building payment systems. You know PostgreSQL well and can design schemas for high write volume. \
            Experience with Kafka would be great.\n\nWe offer a learning budget and 30 days of holiday. Apply with your CV.";
        assert_eq!(
            texts(&find(text)),
            vec![
                "You have five years of experience building payment systems.",
                "You know PostgreSQL well and can design schemas for high write volume.",
                "Experience with Kafka would be great.",
            ]
        );
    }

    #[test]
    fn prose_that_asks_in_the_conditional_or_states_the_team_job_is_found() {
        // No headings and no "you have" / "you will": the work is the team's job, a wish
        // addressed to the candidate, and what they would do.
        let text = "# Billing Engineer\n\nLedgerly sends invoices for 4,000 plumbers and electricians.\n\n\
            Our job is to turn every finished job into an invoice within a minute. Today that takes an hour. \
            We would like you to help cut that to five minutes. You would join a team of three and report to our CTO.\n\n\
            You would own the PostgreSQL schema for invoices and payments. Our services are written in Elixir. You would not need to know Elixir.\n\n\
            If you'd like to know more, write to us. Everyone gets 28 days of holiday.";
        assert_eq!(
            texts(&find(text)),
            vec![
                "Our job is to turn every finished job into an invoice within a minute.",
                "We would like you to help cut that to five minutes.",
                "You would own the PostgreSQL schema for invoices and payments.",
            ]
        );
    }

    #[test]
    fn a_skill_that_contains_a_process_word_is_not_a_distractor() {
        let text = "# Security Engineer\n\nAs a security engineer, you will review web application designs. \
            We will confirm receipt of your application within a week.";
        assert_eq!(
            texts(&find(text)),
            vec!["As a security engineer, you will review web application designs."]
        );
    }

    #[test]
    fn a_label_with_plain_lines_is_a_list() {
        let text = "# Search Engineer\n\nRequirements:\nRust or C++ in production\nRelevance ranking with BM25\nQuery latency budgets\n\nBenefits:\nA pension\nFree lunch\n";
        assert_eq!(
            texts(&find(text)),
            vec![
                "Rust or C++ in production",
                "Relevance ranking with BM25",
                "Query latency budgets"
            ]
        );
    }

    #[test]
    fn numbered_lists_and_inline_labels_count() {
        let text = "# Platform\n\n## What you'll need\n1. Kubernetes in production\n2. Terraform modules\n\nNice to have: experience with Cilium.\n";
        let found = find(text);
        assert_eq!(
            texts(&found),
            vec![
                "Kubernetes in production",
                "Terraform modules",
                "experience with Cilium."
            ]
        );
        assert_eq!(found[2].kind, SectionKind::Extras);
    }
}
