//! The admin metrics: pending items and their age, decision times, and outcomes overall and by
//! hold reason, all counted from the stored decisions.

use crate::common::*;
use crate::fixture::{hold, HELD};
use rehearse_interview::review::Decision;
use rehearse_interview::verdict::{HoldReason, SensitiveTopic};
use rehearse_testkit::{both_backends, Backend, TestDb};

/// Sets a review's times, so the figures that depend on them are exact.
async fn set_times(t: &TestDb, review: &str, created_at: i64, decided_at: Option<i64>) {
    sqlx::query("UPDATE reviews SET created_at = $1 WHERE id = $2")
        .bind(created_at)
        .bind(review)
        .execute(t.db.pool())
        .await
        .expect("created_at");
    if let Some(at) = decided_at {
        sqlx::query("UPDATE reviews SET decided_at = $1 WHERE id = $2")
            .bind(at)
            .bind(review)
            .execute(t.db.pool())
            .await
            .expect("decided_at");
    }
}

async fn metrics_come_from_the_stored_decisions(backend: Backend) {
    let (t, service, id) = started(backend).await;
    let empty = service.reviews().metrics(0).await.expect("metrics");
    assert_eq!(empty.pending, 0);
    assert_eq!(empty.oldest_pending_ms, None);
    assert_eq!(empty.decision_p50_ms, None);
    assert!(empty.by_reason.is_empty());

    let sensitive = || HoldReason::Sensitive {
        topic: SensitiveTopic::Compensation,
    };
    let ungrounded = || HoldReason::Ungrounded {
        detail: "95,000 EUR".into(),
    };
    let approved = hold(&service, &id, "k-a", vec![sensitive()], None).await;
    let edited = hold(&service, &id, "k-b", vec![sensitive(), ungrounded()], None).await;
    let rejected = hold(&service, &id, "k-c", vec![ungrounded()], None).await;
    let unchanged = hold(&service, &id, "k-d", vec![HoldReason::WeakRetrieval], None).await;
    let expired = hold(
        &service,
        &id,
        "k-e",
        vec![sensitive()],
        Some(rehearse_db::now_ms() - 1),
    )
    .await;
    let waiting_long = hold(&service, &id, "k-f", vec![ungrounded()], None).await;
    let waiting = hold(&service, &id, "k-g", vec![HoldReason::WeakRetrieval], None).await;

    // Decided through the real path: claim, then decide.
    for (review, decision) in [
        (&approved, Decision::Approve),
        (&edited, Decision::Edit("The salary is not stated.".into())),
        (&rejected, Decision::Reject("Invented.".into())),
        (&unchanged, Decision::Edit(HELD.into())),
    ] {
        claim_and_decide(&service, review, "ann", decision).await;
    }
    assert_eq!(service.expire_reviews().await.expect("expire").len(), 1);

    // Exact times: decisions after 1, 2, 5 and 10 minutes; two items waiting 10 and 2 minutes.
    let now = 100_000_000;
    let minute = 60_000;
    let base = 1_000_000;
    for (review, minutes) in [
        (&approved, 1),
        (&edited, 2),
        (&rejected, 5),
        (&unchanged, 10),
    ] {
        set_times(&t, review, base, Some(base + minutes * minute)).await;
    }
    // An expired item's wait says nothing about reviewers: it must not count.
    set_times(&t, &expired, base, Some(base + 1000 * minute)).await;
    set_times(&t, &waiting_long, now - 10 * minute, None).await;
    set_times(&t, &waiting, now - 2 * minute, None).await;

    let m = service.reviews().metrics(now).await.expect("metrics");
    assert_eq!(m.pending, 2);
    assert_eq!(m.oldest_pending_ms, Some(10 * minute));
    assert_eq!(m.decision_p50_ms, Some(2 * minute));
    assert_eq!(m.decision_p90_ms, Some(10 * minute));

    let o = m.overall;
    assert_eq!(
        (o.pending, o.approved, o.edited, o.rejected, o.expired),
        (2, 2, 1, 1, 1),
        "an edit that changes nothing counts as approved"
    );
    assert_eq!(o.false_alarms(), 2);
    assert_eq!(o.true_catches(), 2);
    assert_eq!(o.agreement(), Some(0.5));
    assert_eq!(o.rate(o.expired), Some(0.2));

    let reasons: Vec<&str> = m.by_reason.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons, ["sensitive", "ungrounded", "weak_retrieval"]);
    let of = |key: &str| {
        m.by_reason
            .iter()
            .find(|r| r.reason == key)
            .map(|r| r.outcomes)
            .expect("reason")
    };
    let s = of("sensitive");
    assert_eq!(
        (s.pending, s.approved, s.edited, s.rejected, s.expired),
        (0, 1, 1, 0, 1)
    );
    assert_eq!(s.agreement(), Some(0.5));
    assert_eq!(s.rate(s.approved), Some(1.0 / 3.0));
    let u = of("ungrounded");
    assert_eq!(
        (u.pending, u.approved, u.edited, u.rejected, u.expired),
        (1, 0, 1, 1, 0)
    );
    assert_eq!(u.agreement(), Some(1.0));
    assert_eq!(u.rate(u.rejected), Some(0.5));
    let w = of("weak_retrieval");
    assert_eq!(
        (w.pending, w.approved, w.edited, w.rejected, w.expired),
        (1, 1, 0, 0, 0)
    );
    assert_eq!(
        w.agreement(),
        Some(0.0),
        "approved unchanged: a false alarm"
    );
}
both_backends!(metrics_come_from_the_stored_decisions);
