//! Review metrics for admins: the figures `ReviewStore::metrics` computes from the stored
//! decisions, with each reason put in words.

use super::guard::Caller;
use crate::api::ApiError;
use rehearse_db::now_ms;
use rehearse_interview::review_metrics::Outcomes;
use rehearse_types::{hold_reason_label, ReasonMetricsView, ReviewMetricsView};

/// A reason key in words; the overall figures have the empty key.
fn reason_label(key: &str) -> String {
    match key {
        "" => "All held answers".to_owned(),
        other => hold_reason_label(other).unwrap_or(other).to_owned(),
    }
}

fn outcomes_view(reason: &str, o: &Outcomes) -> ReasonMetricsView {
    ReasonMetricsView {
        reason: reason.to_owned(),
        label: reason_label(reason),
        pending: o.pending,
        approved: o.approved,
        edited: o.edited,
        rejected: o.rejected,
        expired: o.expired,
        approve_rate: o.rate(o.approved),
        edit_rate: o.rate(o.edited),
        reject_rate: o.rate(o.rejected),
        expire_rate: o.rate(o.expired),
        false_alarms: o.false_alarms(),
        true_catches: o.true_catches(),
        agreement: o.agreement(),
    }
}

pub async fn metrics(ctx: &Caller) -> Result<ReviewMetricsView, ApiError> {
    let m = ctx.state.interviews.reviews().metrics(now_ms()).await?;
    Ok(ReviewMetricsView {
        pending: m.pending,
        oldest_pending_ms: m.oldest_pending_ms,
        decision_p50_ms: m.decision_p50_ms,
        decision_p90_ms: m.decision_p90_ms,
        overall: outcomes_view("", &m.overall),
        by_reason: m
            .by_reason
            .iter()
            .map(|r| outcomes_view(&r.reason, &r.outcomes))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use rehearse_interview::verdict::{HoldReason, ReportConcern, SensitiveTopic};

    #[test]
    fn every_hold_reason_has_words() {
        let reasons = [
            HoldReason::Ungrounded {
                detail: String::new(),
            },
            HoldReason::WeakRetrieval,
            HoldReason::Sensitive {
                topic: SensitiveTopic::Health,
            },
            HoldReason::RetrievalFailed {
                detail: String::new(),
            },
            HoldReason::SafetyScreen {
                detail: String::new(),
            },
            HoldReason::Feedback {
                concern: ReportConcern::JudgeDisagrees,
                requirement_id: "r1".into(),
                detail: String::new(),
            },
        ];
        for reason in reasons {
            assert!(
                rehearse_types::hold_reason_label(reason.key()).is_some(),
                "{}",
                reason.key()
            );
        }
    }
}
