use super::*;
use crate::roles;

#[tokio::test]
async fn scores_rest_on_quoted_evidence() {
    let role = roles::find("backend-rust").expect("role");
    let strong = "In my last job we built an async payments service in Rust on tokio. \
        We handled 3000 requests a second with bounded channels, and ownership rules kept buffers safe. \
        I wrote the retry layer and the timeouts, and we measured p99 latency before and after every change \
        so that regressions were caught in review rather than in production, which mattered for the team.";
    let answered = |id: &str, text: &str| Answered {
        requirement_id: id.into(),
        question: "How would you?".into(),
        text: text.into(),
    };
    let report = score(
        &role,
        &[answered("r1", strong), answered("r2", "I don't know.")],
        None,
    )
    .await;
    assert_eq!(report.degraded.as_deref(), Some(SCORED_BY_WORDS));
    assert_eq!(report.scores.len(), 2, "only asked requirements are scored");
    let r1 = &report.scores[0];
    assert!(r1.score >= 4, "{r1:?}");
    let evidence = r1.evidence.as_deref().expect("evidence");
    assert!(
        strong.contains(evidence),
        "evidence is quoted verbatim: {evidence}"
    );
    let r2 = &report.scores[1];
    assert_eq!(r2.score, 1);
    assert!(r2.evidence.is_none());
    assert_eq!(report.overall, (f32::from(r1.score) + 1.0) / 2.0);
    assert_eq!(report.strengths.len(), 1);
    assert!(
        report.improvements[0].starts_with("Databases and data modelling: give a concrete example")
    );
}

#[tokio::test]
async fn listed_points_replace_the_requirements_own() {
    let mut role = roles::find("backend-rust").expect("role");
    let text = "In my last job I built the payment API so that every request carried idempotency keys, \
        and clients used retries with backoff and jitter; we measured duplicate charges fall to zero.";
    let answered = [Answered {
        requirement_id: "r1".into(),
        question: "How would you?".into(),
        text: text.into(),
    }];
    let substance = |r: &Report| r.scores[0].signals.expect("signals").substance;
    let own = score(&role, &answered, None).await;
    role.requirements[0].expected_points =
        vec!["idempotency keys".into(), "retries with backoff".into()];
    let listed = score(&role, &answered, None).await;
    assert_eq!(substance(&listed), 1.0, "{:?}", listed.scores[0]);
    assert!(substance(&own) < 1.0, "{:?}", own.scores[0]);
}
