//! Deleting one's account: its data is erased, every session ends, the audit log keeps its rows
//! under a pseudonym, and nobody else's data is touched.

use super::{insert_trace, send, user_id};
use crate::interviews::{start, wait_for};
use crate::support::{json, Backend, TestApp, PASSWORD};
use rehearse_testkit::both_backends;

async fn deleting_the_account_erases_its_data_signs_it_out_and_keeps_a_pseudonymous_audit(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fay = app.signed_up("fay@example.com").await;
    let gus = app.signed_up("gus@example.com").await;
    let interview = start(&fay).await;
    assert_eq!(send(&fay, &interview, "Ready.", "f1").await.status(), 200);
    wait_for(&fay, &interview, |d| {
        d["messages"].as_array().map(Vec::len) >= Some(3)
    })
    .await;
    let fay_id = user_id(&fay).await;
    let gus_id = user_id(&gus).await;
    let now = rehearse_db::now_ms();
    insert_trace(&app, "trace-fay", now, Some(fay_id.as_str()), None, "ok").await;
    insert_trace(
        &app,
        "trace-fay-interview",
        now,
        None,
        Some(interview.as_str()),
        "ok",
    )
    .await;
    insert_trace(&app, "trace-gus", now, Some(gus_id.as_str()), None, "ok").await;
    // A second browser signed in as fay.
    let other_browser = app.client();
    assert_eq!(
        other_browser
            .sign_in("fay@example.com", PASSWORD)
            .await
            .status(),
        200
    );

    let wrong = fay
        .server_fn("delete_my_account", &[("password", "not my password")])
        .await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'fay@example.com'")
            .await,
        1,
        "a wrong password deletes nothing"
    );

    let deleted = fay
        .server_fn("delete_my_account", &[("password", PASSWORD)])
        .await;
    assert_eq!(deleted.status(), 200);

    for (what, sql) in [
        (
            "the account",
            format!("SELECT COUNT(*) FROM users WHERE id = '{fay_id}'"),
        ),
        (
            "the interviews",
            format!("SELECT COUNT(*) FROM interviews WHERE user_id = '{fay_id}'"),
        ),
        (
            "the messages",
            format!("SELECT COUNT(*) FROM interview_messages WHERE interview_id = '{interview}'"),
        ),
        (
            "the traces",
            format!(
                "SELECT COUNT(*) FROM model_calls WHERE user_id = '{fay_id}' \
                 OR interview_id = '{interview}'"
            ),
        ),
        (
            "the pending jobs",
            format!(
                "SELECT COUNT(*) FROM jobs WHERE payload LIKE '%{interview}%' \
                 AND status IN ('queued', 'running')"
            ),
        ),
        (
            "the address in the audit log",
            "SELECT COUNT(*) FROM audit_events WHERE actor_email = 'fay@example.com' \
             OR subject_email = 'fay@example.com'"
                .to_owned(),
        ),
    ] {
        assert_eq!(app.count(&sql).await, 0, "{what} must be gone");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM model_calls WHERE user_id = '{gus_id}'"
        ))
        .await,
        1,
        "another user's traces stay"
    );

    // The audit log keeps its rows, under a pseudonym.
    let alias = format!("deleted user {}", &fay_id[..8]);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'account_deleted' \
             AND actor_user_id = '{fay_id}' AND actor_email = '{alias}'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'sign_up' \
             AND actor_user_id = '{fay_id}' AND actor_email = '{alias}'"
        ))
        .await,
        1,
        "the sign-up row is kept, pseudonymous"
    );
    // ... and stays append-only: only a pseudonym may replace an address.
    let pool = app.db().await;
    let forged = sqlx::query(
        "UPDATE audit_events SET actor_email = 'someone@example.com' WHERE kind = 'account_deleted'",
    )
    .execute(&pool)
    .await;
    assert!(forged.is_err(), "the audit log refuses other rewrites");
    let rewritten = sqlx::query("UPDATE audit_events SET detail = 'nothing happened'")
        .execute(&pool)
        .await;
    assert!(rewritten.is_err(), "the audit log refuses other rewrites");

    // Every session of the account has ended.
    for browser in [&fay, &other_browser] {
        let me = json(browser.server_fn("whoami", &[]).await).await;
        assert!(me.is_null(), "signed out: {me}");
        assert_eq!(browser.get("/home").await.status(), 303);
    }
    assert_eq!(
        app.client()
            .sign_in("fay@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    // Nobody else's account is touched.
    let me = json(gus.server_fn("whoami", &[]).await).await;
    assert_eq!(me["email"], "gus@example.com");
}
both_backends!(deleting_the_account_erases_its_data_signs_it_out_and_keeps_a_pseudonymous_audit);
