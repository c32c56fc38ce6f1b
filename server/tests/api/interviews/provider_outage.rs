//! A provider outage through the whole server: the primary model answers every call with HTTP
//! 500 (the fault-injecting upstream, `tools/fault_upstream.py`, a real process), and the
//! fallback chain of the settings (`REHEARSE_LLM__FALLBACK=backup`, a hosted provider named
//! under `REHEARSE_LLM__PROVIDERS__BACKUP__*`) answers instead. The candidate's interview goes
//! on; each call's trace records the failed attempt and the fallback that answered; after the
//! configured number of failures the primary's breaker is open, and admins see it so.

use super::{send, start};
use crate::knowledge::until_replied;
use crate::support::{json, Backend, TestApp};
use rehearse_testkit::{both_backends, FaultUpstream};
use sqlx::Row;

async fn a_failing_primary_is_answered_by_the_fallback_and_its_breaker_opens(backend: Backend) {
    let upstream = tokio::task::spawn_blocking(FaultUpstream::start)
        .await
        .expect("the fault upstream");
    let base_url = format!("{}/v1", upstream.origin);
    let primary = rehearse_llm::openai::OpenAiCompatible::new(&base_url, "http500", None)
        .expect("the primary's client");
    let backup_url = base_url.clone();
    let app = TestApp::spawn_with_model(
        backend,
        move |s| {
            s.llm.free = true;
            s.llm.retries = 0;
            s.llm.breaker_failures = 2;
            s.llm.breaker_open_secs = 600;
            s.llm.fallback = vec!["backup".into()];
            s.llm.providers.insert(
                "backup".into(),
                rehearse_settings::ProviderSettings {
                    provider: rehearse_settings::LlmProvider::Openai,
                    model: Some("ok".into()),
                    base_url: Some(backup_url),
                    api_key: None,
                    input_usd_per_mtok: 0.0,
                    output_usd_per_mtok: 0.0,
                    free: true,
                },
            );
        },
        std::sync::Arc::new(primary),
    )
    .await;
    let admin = app.admin().await;
    let candidate = app.signed_up("olga@example.com").await;
    let id = start(&candidate).await;
    // Two turns, each phrased through the chain: the primary fails, the fallback answers.
    for (i, text) in [
        "Ready.",
        "In my last job we built an async payments service in Rust on tokio with bounded \
         channels and timeouts on every call, and I measured p99 latency before and after.",
    ]
    .iter()
    .enumerate()
    {
        let before = crate::knowledge::message_count(&candidate, &id).await;
        let sent = send(&candidate, &id, text, &format!("k{i}")).await;
        assert_eq!(sent.status(), 200);
        until_replied(&candidate, &id, before, text).await;
    }

    // Each phrasing's trace: answered by the fallback, after the primary's failed attempt.
    let pool = app.db().await;
    let rows = sqlx::query(
        "SELECT provider, model, attempts_json FROM model_calls \
         WHERE step = 'phrase_question' ORDER BY started_at",
    )
    .fetch_all(&pool)
    .await
    .expect("traces");
    assert_eq!(rows.len(), 2, "one call per turn");
    for row in &rows {
        let model: String = row.try_get("model").expect("model");
        let attempts: String = row.try_get("attempts_json").expect("attempts");
        assert_eq!(model, "ok", "the fallback answered: {attempts}");
        assert!(
            attempts.contains("http500"),
            "the failed attempt: {attempts}"
        );
    }

    // The primary failed twice in a row: its breaker is open, and admins see it with the
    // error; the fallback's is closed.
    let overview = json(admin.server_fn("ai_overview", &[]).await).await;
    let breakers = overview["breakers"].as_array().expect("breakers");
    assert_eq!(breakers.len(), 2, "{breakers:?}");
    assert_eq!(breakers[0]["role"], "primary");
    assert_eq!(breakers[0]["model"], "http500");
    assert_eq!(breakers[0]["state"], "open", "{breakers:?}");
    assert_eq!(breakers[0]["opened_count"], 1);
    assert!(breakers[0]["retry_in_secs"].as_u64().is_some_and(|s| s > 0));
    assert!(!breakers[0]["last_error"].is_null());
    assert_eq!(breakers[1]["model"], "ok");
    assert_eq!(breakers[1]["state"], "closed");
    // Candidates never see the providers' state.
    assert_eq!(candidate.server_fn("ai_overview", &[]).await.status(), 403);
}
both_backends!(a_failing_primary_is_answered_by_the_fallback_and_its_breaker_opens);
