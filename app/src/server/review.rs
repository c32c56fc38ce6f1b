//! The reviewer's side: the queue, an item in full, claiming and deciding. The caller is a
//! reviewer or an admin (checked by every server function through the shared guard); every
//! claim and decision goes to the audit log by id, while the texts stay in the review record.

use super::errors::status;
use super::filters::filter_value;
use super::guard::Caller;
use crate::api::ApiError;
use rehearse_db::{now_ms, AuditKind};
use rehearse_interview::review::{Decision, QueueFilter, ReviewError, ReviewItem, ReviewStatus};
use rehearse_types::{
    Change, DiffPiece, ReviewDetail, ReviewPassage, ReviewRow, ReviewTrace, TraceChunk,
    TraceMessage,
};

fn review_error(e: ReviewError) -> ApiError {
    match e {
        ReviewError::NotFound => status(ApiError::NotFound),
        ReviewError::ClaimedByOther => status(ApiError::Conflict(
            "Another reviewer is working on this item.".into(),
        )),
        ReviewError::NotClaimed => status(ApiError::Conflict(
            "Claim this item before deciding; your claim may have run out.".into(),
        )),
        ReviewError::AlreadyDecided => {
            status(ApiError::Conflict("This item was already decided.".into()))
        }
        ReviewError::Invalid(m) => status(ApiError::Invalid(m)),
        ReviewError::Db(e) => ApiError::from(e),
    }
}

/// "3 minutes", "2 hours", "1 day".
fn age(since_ms: i64, now: i64) -> String {
    rehearse_types::duration_words(now - since_ms)
}

/// The reviewer's edit as the page shows it.
fn edit_view(item: &ReviewItem) -> Vec<DiffPiece> {
    item.edit_diff
        .iter()
        .flatten()
        .map(|(tag, text)| DiffPiece {
            change: match *tag {
                '-' => Change::Removed,
                '+' => Change::Added,
                _ => Change::Kept,
            },
            text: text.clone(),
        })
        .collect()
}

fn row(item: &ReviewItem, me: &str, now: i64) -> ReviewRow {
    let live_claim = item.claim_until.is_some_and(|t| t >= now);
    ReviewRow {
        id: item.id.clone(),
        role: item.role_slug.clone(),
        role_title: item.role_title.clone(),
        question: item.question.clone(),
        reasons: item.reasons.iter().map(|r| r.describe()).collect(),
        state: match item.status {
            ReviewStatus::Pending => "waiting",
            ReviewStatus::Expired => "expired",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Edited => "edited",
            ReviewStatus::Rejected => "rejected",
        }
        .to_owned(),
        age: age(item.created_at, now),
        claimed_by_me: live_claim && item.claimed_by.as_deref() == Some(me),
        claimed_by_other: live_claim && item.claimed_by.as_deref().is_some_and(|c| c != me),
    }
}

pub async fn queue(
    ctx: &Caller,
    reason: Option<String>,
    role: Option<String>,
) -> Result<Vec<ReviewRow>, ApiError> {
    let filter = QueueFilter {
        reason: filter_value(reason, 80),
        role_slug: filter_value(role, 80),
    };
    let items = ctx.state.interviews.reviews().queue(&filter).await?;
    let now = now_ms();
    Ok(items
        .iter()
        .map(|i| row(i, &ctx.actor.user_id, now))
        .collect())
}

pub async fn item(ctx: &Caller, id: &str) -> Result<ReviewDetail, ApiError> {
    let reviews = ctx.state.interviews.reviews();
    let item = reviews
        .get(id)
        .await?
        .ok_or_else(|| status(ApiError::NotFound))?;
    let message = ctx
        .state
        .interviews
        .store()
        .message(&item.message_id)
        .await?;
    let passages = message
        .map(|m| {
            m.citations
                .into_iter()
                .map(|c| ReviewPassage {
                    marker: c.marker,
                    section: c.section,
                    text: c.text,
                })
                .collect()
        })
        .unwrap_or_default();
    let trace = trace_view(ctx, &item.message_id).await;
    let now = now_ms();
    Ok(ReviewDetail {
        row: row(&item, &ctx.actor.user_id, now),
        held_text: item.held_text.clone(),
        passages,
        deadline: item.deadline_at.map(rehearse_db::format_ms),
        decided: item
            .final_text
            .clone()
            .filter(|_| item.status != ReviewStatus::Pending),
        edit: edit_view(&item),
        trace,
    })
}

/// The trace behind a held answer, as a reviewer may see it: the retrieval's chunks and scores
/// for a quoted answer, the conversation for a written one (the system prompt for admins only,
/// who can also open the full trace). A trace that cannot be read leaves the item usable.
async fn trace_view(ctx: &Caller, message_id: &str) -> Option<ReviewTrace> {
    let id = match ctx.state.interviews.store().trace_of(message_id).await {
        Ok(id) => id?,
        Err(e) => {
            tracing::warn!(error = %e, "could not read a held answer's trace id");
            return None;
        }
    };
    let t = match ctx.state.gateway.traces().get(&id).await {
        Ok(t) => t?,
        Err(e) => {
            tracing::warn!(error = %e, "could not read a held answer's trace");
            return None;
        }
    };
    let admin = ctx.actor.role == rehearse_types::Role::Admin;
    let request: serde_json::Value = serde_json::from_str(&t.call.request_json).unwrap_or_default();
    let chunks = request["chunks"]
        .as_array()
        .map(|chunks| {
            chunks
                .iter()
                .filter_map(|c| serde_json::from_value::<TraceChunk>(c.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    let messages = request["messages"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .filter_map(|m| {
                    let role = m["role"].as_str()?.to_owned();
                    (admin || role != "system").then(|| TraceMessage {
                        role,
                        content: m["content"].as_str().unwrap_or_default().to_owned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Some(ReviewTrace {
        made_by: if t.call.provider == "knowledge" {
            "Quoted from the job description (no model call)".to_owned()
        } else {
            format!("Written by {} {}", t.call.provider, t.call.model)
        },
        latency_ms: t.latency_ms,
        cost_usd: rehearse_llm::pricing::nanos_to_usd(t.cost_nanos),
        chunks,
        messages,
        full_trace: admin,
        id: t.call.id,
    })
}

async fn audit(ctx: &Caller, kind: AuditKind, detail: &str) -> Result<(), ApiError> {
    ctx.audit(kind, detail).await
}

pub async fn claim(ctx: &Caller, id: &str) -> Result<(), ApiError> {
    let lease = ctx.state.settings.review.claim_secs as i64 * 1000;
    let item = ctx
        .state
        .interviews
        .reviews()
        .claim(id, &ctx.actor.user_id, lease)
        .await
        .map_err(review_error)?;
    audit(
        ctx,
        AuditKind::ReviewClaimed,
        &format!("review {}", item.id),
    )
    .await
}

pub async fn decide(ctx: &Caller, id: &str, decision: Decision) -> Result<(), ApiError> {
    let item = ctx
        .state
        .interviews
        .decide_review(id, &ctx.actor.user_id, decision)
        .await
        .map_err(review_error)?;
    audit(
        ctx,
        AuditKind::ReviewDecided,
        &format!("review {}: {}", item.id, item.status.as_str()),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::age;

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age(0, 30_000), "less than a minute");
        assert_eq!(age(0, 60_000), "1 minute");
        assert_eq!(age(0, 5 * 60_000), "5 minutes");
        assert_eq!(age(0, 3 * 3_600_000), "3 hours");
        assert_eq!(age(0, 3 * 86_400_000), "3 days");
    }
}
