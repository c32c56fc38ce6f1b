//! Passwords: a forgotten one reset by mailed link, a change that needs the current one.

use super::{app_with_sink, change_password, reset, whoami, CHANGED, NEW_PASSWORD, RESET};
use crate::support::{json, Backend, PASSWORD};
use rehearse_testkit::both_backends;

async fn a_forgotten_password_is_reset_once_and_every_session_ends(backend: Backend) {
    let (app, sink) = app_with_sink(backend, |_| {}).await;
    let laptop = app.signed_up("cleo@example.com").await;
    let phone = app.client();
    assert_eq!(
        phone.sign_in("cleo@example.com", PASSWORD).await.status(),
        200
    );

    // Known and unknown addresses get the same answer.
    let visitor = app.client();
    let known = visitor
        .post_form("/auth/forgot", &[("email", "cleo@example.com")])
        .await;
    let unknown = visitor
        .post_form("/auth/forgot", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(known.status(), 202);
    assert_eq!(unknown.status(), 202);
    assert_eq!(json(known).await, json(unknown).await);
    let malformed = visitor
        .post_form("/auth/forgot", &[("email", "not-an-address")])
        .await;
    assert_eq!(malformed.status(), 422);
    let sent_page = app
        .browser()
        .post_form("/auth/forgot", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(sent_page.headers()["location"], "/forgot-password?sent=1");

    let mail = sink.wait_for("cleo@example.com", RESET).await;
    assert!(mail.link().starts_with(&app.url("/reset-password?token=")));
    assert_eq!(app.browser().get(&mail.path()).await.status(), 200);

    // A password the rules refuse leaves the link unspent.
    let weak = reset(&visitor, &mail.token(), "short").await;
    assert_eq!(weak.status(), 422);
    let done = reset(&visitor, &mail.token(), NEW_PASSWORD).await;
    assert_eq!(done.status(), 200);

    assert!(whoami(&laptop).await.is_null(), "every session ended");
    assert!(whoami(&phone).await.is_null(), "every session ended");
    assert_eq!(
        app.client()
            .sign_in("cleo@example.com", PASSWORD)
            .await
            .status(),
        401,
        "the old password no longer works"
    );
    assert_eq!(
        app.client()
            .sign_in("cleo@example.com", NEW_PASSWORD)
            .await
            .status(),
        200
    );
    let again = reset(&visitor, &mail.token(), "yet another long passphrase 7").await;
    assert_eq!(again.status(), 400, "the link works once");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'password_reset'")
            .await,
        1
    );
    sink.wait_for("cleo@example.com", CHANGED).await;
    // Nothing was mailed for the address without an account.
    assert!(sink
        .messages()
        .iter()
        .all(|m| !m.to.iter().any(|t| t == "nobody@example.com")));
}
both_backends!(a_forgotten_password_is_reset_once_and_every_session_ends);

async fn changing_the_password_needs_the_current_one_and_ends_other_sessions(backend: Backend) {
    let (app, sink) = app_with_sink(backend, |_| {}).await;
    let here = app.signed_up("dora@example.com").await;
    let elsewhere = app.client();
    assert_eq!(
        elsewhere
            .sign_in("dora@example.com", PASSWORD)
            .await
            .status(),
        200
    );

    let visitor = change_password(&app.client(), PASSWORD, NEW_PASSWORD).await;
    assert_eq!(visitor.status(), 401);

    let wrong = change_password(&here, "not my password at all", NEW_PASSWORD).await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(json(wrong).await["fields"][0]["field"], "current_password");
    let weak = change_password(&here, PASSWORD, "short").await;
    assert_eq!(weak.status(), 422);
    assert_eq!(json(weak).await["fields"][0]["field"], "new_password");
    assert!(!whoami(&elsewhere).await.is_null(), "nothing changed yet");

    let changed = change_password(&here, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(changed.status(), 200);
    assert_eq!(
        whoami(&here).await["email"],
        "dora@example.com",
        "this session goes on"
    );
    assert!(
        whoami(&elsewhere).await.is_null(),
        "the other session ended"
    );
    assert_eq!(
        app.client()
            .sign_in("dora@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.client()
            .sign_in("dora@example.com", NEW_PASSWORD)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'password_changed'")
            .await,
        1
    );
    let notice = sink.wait_for("dora@example.com", CHANGED).await;
    assert!(notice.body.contains(&app.url("/forgot-password")));

    // The page is there for people, behind sign-in.
    assert_eq!(here.get("/account/password").await.status(), 200);
    assert_eq!(app.client().get("/account/password").await.status(), 303);
}
both_backends!(changing_the_password_needs_the_current_one_and_ends_other_sessions);
