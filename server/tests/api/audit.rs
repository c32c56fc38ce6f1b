//! The audit log: events anyone can cause anonymously and in a loop (throttled sign-ins, refused
//! OAuth callbacks) are folded per reason, address and window into a bounded number of rows
//! that still count every event; prompt changes by admins are recorded.

use crate::support::{json, save_phrase_question_version, Backend, TestApp, ADMIN_EMAIL};
use rehearse_db::REPEATS_KEPT;
use rehearse_testkit::both_backends;

/// Rows one (kind, reason, address) may take: [`REPEATS_KEPT`] events of their own plus the row
/// that counts the rest, in each of at most two windows (a test may cross a window's end).
const MAX_ROWS_PER_REASON: i64 = 2 * (REPEATS_KEPT as i64 + 1);

async fn rows(app: &TestApp, kind: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_events WHERE kind = '{kind}'"
    ))
    .await
}

/// How many events the rows of `kind` stand for.
async fn events(app: &TestApp, kind: &str) -> i64 {
    app.count(&format!(
        "SELECT CAST(COALESCE(SUM(occurrences), 0) AS BIGINT) FROM audit_events \
         WHERE kind = '{kind}'"
    ))
    .await
}

async fn throttled_sign_ins_are_folded_per_address(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.login_attempts_per_account = 3;
        s.login_attempts_per_ip = 1000;
    })
    .await;
    let client = app.client();
    let (mut failed, mut throttled) = (0, 0);
    for _ in 0..20 {
        match client
            .sign_in("ada@example.com", "wrong password!")
            .await
            .status()
            .as_u16()
        {
            401 => failed += 1,
            429 => throttled += 1,
            other => panic!("a wrong password answered {other}"),
        }
    }
    assert_eq!(failed, 3, "the account allows 3 attempts per window");
    assert_eq!(throttled, 17);

    // Wrong passwords within the limit keep a row each (they are bounded by the throttle).
    assert_eq!(rows(&app, "sign_in_failed").await, 3);
    // Throttled attempts: a bounded number of rows that count every one of them.
    let folded = rows(&app, "sign_in_throttled").await;
    assert!(
        folded <= MAX_ROWS_PER_REASON,
        "{folded} rows for 17 throttled sign-ins"
    );
    assert_eq!(events(&app, "sign_in_throttled").await, 17);
    if folded == i64::from(REPEATS_KEPT) + 1 {
        assert_eq!(
            app.count("SELECT MAX(occurrences) FROM audit_events WHERE kind = 'sign_in_throttled'")
                .await,
            17 - i64::from(REPEATS_KEPT),
            "one row counts the repeats beyond the first {REPEATS_KEPT}"
        );
    }

    // The loop goes on, from the same address, against other accounts too: the count grows,
    // the rows do not.
    for i in 0..20 {
        let email = if i % 2 == 0 {
            "ada@example.com".to_owned()
        } else {
            format!("spray{i}@example.com")
        };
        let status = client.sign_in(&email, "wrong password!").await.status();
        assert!(status == 401 || status == 429, "{email}: {status}");
    }
    assert!(rows(&app, "sign_in_throttled").await <= MAX_ROWS_PER_REASON);
    assert!(events(&app, "sign_in_throttled").await >= 17 + 10);
    assert_eq!(
        events(&app, "sign_in_throttled").await + rows(&app, "sign_in_failed").await,
        40,
        "every attempt is accounted for, as failed or as throttled"
    );
}
both_backends!(throttled_sign_ins_are_folded_per_address);

async fn refused_oauth_callbacks_are_folded_per_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    // No flow in the session: refused as an unknown state. The provider segment and the
    // provider's error text are the caller's to choose, so varying them must not add rows.
    for i in 0..20 {
        let response = client
            .get(&format!("/auth/oauth/p{i}/callback?code=abc&state=def"))
            .await;
        assert_eq!(response.status(), 400);
    }
    for i in 0..20 {
        let response = client
            .get(&format!("/auth/oauth/corp/callback?error=denied{i}"))
            .await;
        assert_eq!(response.status(), 401);
    }
    let folded = rows(&app, "oauth_failed").await;
    assert!(
        folded <= 2 * MAX_ROWS_PER_REASON,
        "{folded} rows for 40 refused callbacks of two reasons"
    );
    assert_eq!(events(&app, "oauth_failed").await, 40);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'oauth_failed' AND detail LIKE 'p1%'"
        )
        .await,
        0,
        "a provider that is not configured is not named"
    );
    assert!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'oauth_failed' \
             AND detail LIKE '%unknown state%'"
        )
        .await
            >= 1
    );
}
both_backends!(refused_oauth_callbacks_are_folded_per_address);

async fn creating_and_activating_prompt_versions_is_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let candidate = app.signed_up("sam@example.com").await;

    save_phrase_question_version(&admin, "Ask it as one short question.").await;
    for version in ["2", "1"] {
        let activated = admin
            .server_fn(
                "activate_prompt_version",
                &[("name", "phrase_question"), ("version", version)],
            )
            .await;
        assert_eq!(activated.status(), 200, "activate {version}");
    }

    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'prompt_version_created' \
             AND actor_email = '{ADMIN_EMAIL}' AND detail LIKE 'phrase_question@2 saved%'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'prompt_version_activated' \
             AND actor_email = '{ADMIN_EMAIL}' \
             AND detail = 'phrase_question@2 activated, replacing phrase_question@1'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'prompt_version_activated' \
             AND detail = 'phrase_question@1 activated, replacing phrase_question@2'"
        )
        .await,
        1,
        "the rollback is recorded"
    );

    // What changed nothing records nothing.
    let missing = admin
        .server_fn(
            "activate_prompt_version",
            &[("name", "phrase_question"), ("version", "99")],
        )
        .await;
    assert_eq!(missing.status(), 404);
    let forbidden = candidate
        .server_fn(
            "create_prompt_version",
            &[("name", "phrase_question"), ("body", "x")],
        )
        .await;
    assert_eq!(forbidden.status(), 403);
    assert_eq!(rows(&app, "prompt_version_created").await, 1);
    assert_eq!(rows(&app, "prompt_version_activated").await, 2);

    // Admins read them on the audit log.
    let page = json(
        admin
            .server_fn(
                "list_audit",
                &[("kind", "prompt_version_activated"), ("page", "0")],
            )
            .await,
    )
    .await;
    assert_eq!(page["events"].as_array().map(Vec::len), Some(2), "{page}");
}
both_backends!(creating_and_activating_prompt_versions_is_audited);
