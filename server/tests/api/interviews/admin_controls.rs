//! What admins steer: a cost ceiling that pauses an interview, the traces, prompt versions.

use super::{send, start, wait_for};
use crate::support::{json, save_phrase_question_version, Backend, TestApp};
use rehearse_testkit::both_backends;

async fn a_ceiling_pauses_an_interview_until_an_admin_raises_it(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.llm.input_usd_per_mtok = 1.0;
        s.llm.output_usd_per_mtok = 2.0;
        s.budget.per_interview_usd = 0.0001;
    })
    .await;
    let candidate = app.signed_up("rosa@example.com").await;
    let admin = app.admin().await;
    let id = start(&candidate).await;
    assert_eq!(send(&candidate, &id, "Ready.", "k1").await.status(), 200);
    let paused = wait_for(&candidate, &id, |d| d["status"] == "paused").await;
    assert!(paused["pause_reason"]
        .as_str()
        .unwrap_or_default()
        .contains("nothing you wrote is lost"));
    assert_eq!(
        paused["messages"].as_array().map(Vec::len),
        Some(2),
        "the candidate's message is kept"
    );

    assert_eq!(
        candidate
            .server_fn("set_ceiling", &[("scope", "interview"), ("usd", "5")])
            .await
            .status(),
        403
    );
    assert_eq!(
        admin
            .server_fn("set_ceiling", &[("scope", "galaxy"), ("usd", "5")])
            .await
            .status(),
        422
    );
    assert_eq!(
        admin
            .server_fn("set_ceiling", &[("scope", "interview"), ("usd", "-1")])
            .await
            .status(),
        422
    );
    assert_eq!(
        admin
            .server_fn("set_ceiling", &[("scope", "interview"), ("usd", "1.5")])
            .await
            .status(),
        200
    );
    let status = json(admin.server_fn("ai_overview", &[]).await).await;
    assert_eq!(status["provider"], "scripted");
    assert_eq!(status["ceilings"][0]["scope"], "interview");
    assert_eq!(status["ceilings"][0]["limit_usd"], 1.5);
    // Admins see every provider's circuit breaker: here the primary alone, closed.
    let breakers = status["breakers"].as_array().expect("breakers");
    assert_eq!(breakers.len(), 1, "{breakers:?}");
    assert_eq!(breakers[0]["role"], "primary");
    assert_eq!(breakers[0]["provider"], "scripted");
    assert_eq!(breakers[0]["state"], "closed");
    assert_eq!(breakers[0]["consecutive_failures"], 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'budget_changed'")
            .await,
        1
    );

    assert_eq!(
        candidate
            .server_fn("resume_interview", &[("id", &id)])
            .await
            .status(),
        200
    );
    let resumed = wait_for(&candidate, &id, |d| {
        d["messages"].as_array().map(Vec::len) == Some(3)
    })
    .await;
    assert_eq!(resumed["status"], "active");

    let traces = json(admin.server_fn("list_traces", &[]).await).await;
    let statuses: Vec<&str> = traces
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|t| t["status"].as_str())
        .collect();
    assert!(
        statuses.contains(&"over_budget") && statuses.contains(&"ok"),
        "{statuses:?}"
    );
    let ok = traces
        .as_array()
        .and_then(|rows| rows.iter().find(|t| t["status"] == "ok"))
        .expect("ok trace");
    let full = json(
        admin
            .server_fn(
                "trace_detail",
                &[("id", ok["id"].as_str().unwrap_or_default())],
            )
            .await,
    )
    .await;
    assert!(full["request_json"]
        .as_str()
        .unwrap_or_default()
        .contains("You rewrite an interviewer's question"));
    assert_eq!(full["prompt_version"], "phrase_question@1");
    let filtered = json(
        admin
            .server_fn("list_traces", &[("status", "over_budget")])
            .await,
    )
    .await;
    assert_eq!(filtered.as_array().map(Vec::len), Some(1));
    // The filter takes the statuses a call can have, no other text, and the page offers
    // exactly those, from the server's own set.
    let long = "x".repeat(65);
    for unknown in ["no_such_status", long.as_str(), " ok"] {
        let refused = admin.server_fn("list_traces", &[("status", unknown)]).await;
        assert_eq!(refused.status(), 422, "{unknown:?}");
    }
    let statuses = json(admin.server_fn("call_statuses", &[]).await).await;
    let expected = rehearse_llm::trace::CallStatus::spellings();
    assert_eq!(statuses, serde_json::json!(expected));
    assert_eq!(
        candidate.server_fn("call_statuses", &[]).await.status(),
        403
    );
    assert_eq!(candidate.server_fn("list_traces", &[]).await.status(), 403);
    let page = admin.get("/admin/ai").await;
    assert_eq!(page.status(), 200);
    let page = crate::support::html(page).await;
    for status in &expected {
        assert!(
            page.contains(&format!("value=\"{status}\"")),
            "{status} offered"
        );
    }
}
both_backends!(a_ceiling_pauses_an_interview_until_an_admin_raises_it);

async fn admins_version_activate_and_roll_back_prompts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let candidate = app.signed_up("sam@example.com").await;
    let list = json(admin.server_fn("list_prompts", &[]).await).await;
    assert_eq!(list[0]["version"], 1);
    assert_eq!(list[0]["active"], true);

    save_phrase_question_version(&admin, "Ask it as one short question.").await;
    let list = json(admin.server_fn("list_prompts", &[]).await).await;
    assert_eq!(list[0]["version"], 2);
    assert_eq!(list[0]["active"], false);
    let diff: Vec<String> = serde_json::from_value(list[0]["diff"].clone()).expect("diff");
    assert!(
        diff.iter().any(|l| l == "+ Ask it as one short question."),
        "{diff:?}"
    );
    assert!(
        diff.iter().any(|l| l.starts_with("- You rewrite")),
        "{diff:?}"
    );

    assert_eq!(
        admin
            .server_fn(
                "activate_prompt_version",
                &[("name", "phrase_question"), ("version", "2")]
            )
            .await
            .status(),
        200
    );
    let list = json(admin.server_fn("list_prompts", &[]).await).await;
    assert_eq!(list[0]["active"], true);
    assert_eq!(list[1]["active"], false);
    assert_eq!(
        admin
            .server_fn(
                "activate_prompt_version",
                &[("name", "phrase_question"), ("version", "1")]
            )
            .await
            .status(),
        200,
        "roll back"
    );

    assert_eq!(
        admin
            .server_fn(
                "activate_prompt_version",
                &[("name", "phrase_question"), ("version", "99")]
            )
            .await
            .status(),
        404
    );
    assert_eq!(
        admin
            .server_fn("create_prompt_version", &[("name", "nope"), ("body", "x")])
            .await
            .status(),
        422
    );
    assert_eq!(
        admin
            .server_fn(
                "create_prompt_version",
                &[("name", "phrase_question"), ("body", "  ")]
            )
            .await
            .status(),
        422
    );
    assert_eq!(candidate.server_fn("list_prompts", &[]).await.status(), 403);
    assert_eq!(
        candidate
            .server_fn(
                "create_prompt_version",
                &[("name", "phrase_question"), ("body", "x")]
            )
            .await
            .status(),
        403
    );
    assert_eq!(admin.get("/admin/prompts").await.status(), 200);
}
both_backends!(admins_version_activate_and_roll_back_prompts);
