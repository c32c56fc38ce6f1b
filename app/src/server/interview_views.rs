//! Interview records as the browser sees them: a message (Markdown rendered by
//! [`super::markdown`], a held answer replaced by a notice), a report, and a report's scores
//! per competency. Kept apart from the operations in [`super::interviews`] (which re-exports
//! what other modules use from here) so that file stays about access and the interview service.

use super::markdown::render_markdown;
use rehearse_interview::store::Message;
use rehearse_types::{CompetencyPoint, MessageView, ReportView, ScoreView};

/// A report's scores averaged per competency, in the order the report lists them.
/// Reports made before the closed competency list carry labels of their own ("Rust",
/// "Databases"): those are mapped again from the requirement, so progress is charted on one list.
pub(super) fn competency_scores(r: &rehearse_interview::scoring::Report) -> Vec<CompetencyPoint> {
    use rehearse_knowledge::Competency;
    let mut out: Vec<(String, u32, u32)> = Vec::new();
    for s in &r.scores {
        let label = match Competency::from_label(&s.competency) {
            Some(c) => c.label(),
            None => Competency::of(&s.requirement).label(),
        };
        match out.iter_mut().find(|(c, ..)| c == label) {
            Some((_, sum, n)) => {
                *sum += u32::from(s.score);
                *n += 1;
            }
            None => out.push((label.to_owned(), u32::from(s.score), 1)),
        }
    }
    out.into_iter()
        .map(|(competency, sum, n)| CompetencyPoint {
            competency,
            score: sum as f32 / n as f32,
        })
        .collect()
}

/// A report as the candidate reads it (also in their data export).
pub(crate) fn report_view(r: rehearse_interview::scoring::Report) -> ReportView {
    let percent = |x: f32| (x.clamp(0.0, 1.0) * 100.0).round() as u8;
    ReportView {
        overall: r.overall,
        scores: r
            .scores
            .into_iter()
            .map(|s| ScoreView {
                strong_answer: s.coaching.as_ref().map(|c| c.strong_answer.clone()),
                fell_short: s.coaching.and_then(|c| c.fell_short),
                second_reading: s.judge.map(|j| j.score),
                competency: s.competency,
                requirement_id: s.requirement_id,
                requirement: s.requirement,
                score: s.score,
                evidence: s.evidence,
                rationale: s.rationale,
                source: s.source,
                signals: s.signals.map(|g| rehearse_types::SignalsView {
                    relevance: percent(g.relevance),
                    substance: percent(g.substance),
                    coherence: percent(g.coherence),
                    specificity: percent(g.specificity),
                    depth: percent(g.depth),
                }),
            })
            .collect(),
        strengths: r.strengths,
        improvements: r.improvements,
        degraded: r.degraded,
        under_review: false,
    }
}

/// A report as its page shows it: while a reviewer checks it (its note is held), marked under
/// review, without the model's second readings (they are part of what is being checked).
pub(crate) fn report_view_for(
    r: rehearse_interview::scoring::Report,
    messages: &[Message],
) -> ReportView {
    let under_review = messages
        .iter()
        .any(|m| m.held && rehearse_interview::verdict::is_report_note(&m.flags));
    let mut view = report_view(r);
    if under_review {
        view.under_review = true;
        for s in &mut view.scores {
            s.second_reading = None;
        }
    }
    view
}

/// Text as HTML text content (job-description passages are data, never markup). Public so the
/// load benchmark looks for a question in a page exactly as the page writes it.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Shown instead of an answer that failed the grounding check.
pub const HELD_NOTICE: &str =
    "This answer is being checked by a reviewer before it is shown to you.";

/// Shown instead of a note on the report that a reviewer has not decided yet.
pub const HELD_REPORT_NOTICE: &str =
    "A note on your feedback report is being checked by a reviewer before it is shown to you.";

/// A message as the candidate sees it: Markdown rendered and sanitised, the job-description
/// passages an answer cites listed under it, and a held answer replaced by a notice and the
/// time it was held (never its text).
pub fn message_view(m: Message) -> MessageView {
    let held_since_ms = m.held.then_some(m.created_at);
    let html = if m.held {
        let notice = if rehearse_interview::verdict::is_report_note(&m.flags) {
            HELD_REPORT_NOTICE
        } else {
            HELD_NOTICE
        };
        format!("<p class=\"italic text-slate-500\" data-testid=\"held\">{notice}</p>")
    } else if m.citations.is_empty() {
        render_markdown(&m.content)
    } else {
        let items: String = m
            .citations
            .iter()
            .map(|c| {
                format!(
                    "<li data-chunk=\"{}\"><strong>[{}]</strong> <em>{}</em>: {}</li>",
                    escape(&c.chunk_id),
                    c.marker,
                    escape(&c.section),
                    escape(&c.text)
                )
            })
            .collect();
        format!(
            "{}<ol class=\"mt-2 list-none border-l-2 border-slate-300 pl-2 text-xs text-slate-600\" data-testid=\"citations\">{items}</ol>",
            render_markdown(&m.content)
        )
    };
    MessageView {
        id: m.id,
        seq: m.seq,
        author: m.author,
        html,
        held_since_ms,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn old_report_labels_are_charted_on_the_closed_list() {
        use rehearse_interview::scoring::{CompetencyScore, Report};
        let score = |competency: &str, requirement: &str, score: u8| CompetencyScore {
            requirement_id: "r1".into(),
            competency: competency.into(),
            requirement: requirement.into(),
            score,
            evidence: None,
            rationale: String::new(),
            source: None,
            signals: None,
            coaching: None,
            judge: None,
            reference: None,
        };
        let report = Report {
            scores: vec![
                score(
                    "Databases",
                    "Design PostgreSQL schemas, indexes and transactions",
                    2,
                ),
                score(
                    "Databases and data modelling",
                    "Deep knowledge of SQL databases",
                    4,
                ),
                score(
                    "Rust",
                    "Write safe, fast asynchronous services in Rust with tokio",
                    5,
                ),
            ],
            overall: 3.7,
            strengths: Vec::new(),
            improvements: Vec::new(),
            degraded: None,
        };
        let points = super::competency_scores(&report);
        let labels: Vec<&str> = points.iter().map(|p| p.competency.as_str()).collect();
        assert_eq!(
            labels,
            vec!["Databases and data modelling", "Programming languages"]
        );
        assert_eq!(points[0].score, 3.0);
    }
}
