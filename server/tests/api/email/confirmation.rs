//! Confirming an address by its link (once, unexpired), a taken address, and staff rights.

use super::{app_with_sink, confirm, reset, whoami, CONFIRM, NEW_PASSWORD, RESET, TAKEN};
use crate::support::{html, json, listed_user_id, Backend, PASSWORD};
use rehearse_testkit::both_backends;
use std::time::Duration;

async fn sign_up_mails_a_link_that_confirms_the_address_once(backend: Backend) {
    let (app, sink) = app_with_sink(backend, |_| {}).await;
    let client = app.client();
    let response = client.sign_up("ann@example.com", PASSWORD).await;
    assert_eq!(response.status(), 202);
    assert!(whoami(&client).await.is_null(), "sign-up signs nobody in");

    let mail = sink.wait_for("ann@example.com", CONFIRM).await;
    assert!(mail.link().starts_with(&app.url("/verify-email?token=")));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email_verified = 1")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_tokens").await,
        1,
        "one link stored"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM account_tokens WHERE token_hash = '{}'",
            mail.token()
        ))
        .await,
        0,
        "only a digest of the secret is stored"
    );

    // The link opens a page with the confirmation form.
    let browser = app.browser();
    let page = browser.get(&mail.path()).await;
    assert_eq!(page.status(), 200);
    let page = html(page).await;
    assert!(
        page.contains(&mail.token()),
        "the form carries the link's secret"
    );

    // Whoever holds the link must also know the account's password.
    let wrong = confirm(&client, &mail.token(), "not the password at all").await;
    assert_eq!(wrong.status(), 401);
    assert!(whoami(&client).await.is_null());

    let ok = confirm(&client, &mail.token(), PASSWORD).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(json(ok).await["email_verified"], true);
    let me = whoami(&client).await;
    assert_eq!(me["email"], "ann@example.com", "confirming signs in");
    assert_eq!(me["email_verified"], true);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email_verified = 1")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'email_verified'")
            .await,
        1
    );

    // Used once, the link is spent.
    let again = confirm(&app.client(), &mail.token(), PASSWORD).await;
    assert_eq!(again.status(), 400);
    assert!(json(again).await["message"]
        .as_str()
        .unwrap_or_default()
        .contains("expired or was already used"));
    // A made-up secret is refused the same way.
    let forged = confirm(&app.client(), &"ab".repeat(32), PASSWORD).await;
    assert_eq!(forged.status(), 400);
    // A browser is sent back to the page, which says why.
    let refused = confirm(&browser, &mail.token(), PASSWORD).await;
    assert_eq!(refused.status(), 303);
    let back = refused.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(back.starts_with("/verify-email?token="), "{back}");
    assert!(html(browser.get(&back).await)
        .await
        .contains("expired or was already used"));
}
both_backends!(sign_up_mails_a_link_that_confirms_the_address_once);

async fn expired_links_are_refused(backend: Backend) {
    let (app, sink) = app_with_sink(backend, |s| {
        s.mail.verify_link_secs = 1;
        s.mail.reset_link_secs = 1;
    })
    .await;
    let client = app.client();
    assert_eq!(
        client.sign_up("bo@example.com", PASSWORD).await.status(),
        202
    );
    let confirm_mail = sink.wait_for("bo@example.com", CONFIRM).await;
    assert_eq!(
        client
            .post_form("/auth/forgot", &[("email", "bo@example.com")])
            .await
            .status(),
        202
    );
    let reset_mail = sink.wait_for("bo@example.com", RESET).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let late = confirm(&client, &confirm_mail.token(), PASSWORD).await;
    assert_eq!(late.status(), 400);
    let late = reset(&client, &reset_mail.token(), NEW_PASSWORD).await;
    assert_eq!(late.status(), 400);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email_verified = 1")
            .await,
        0
    );
    assert_eq!(
        app.client()
            .sign_in("bo@example.com", PASSWORD)
            .await
            .status(),
        200,
        "the password is unchanged"
    );
}
both_backends!(expired_links_are_refused);

async fn a_taken_address_answers_like_a_new_one_and_its_owner_is_told(backend: Backend) {
    let (app, sink) = app_with_sink(backend, |_| {}).await;
    let first = app.client().sign_up("bea@example.com", PASSWORD).await;
    assert_eq!(first.status(), 202);
    let first = json(first).await;
    sink.wait_for("bea@example.com", CONFIRM).await;

    // Someone else tries the same address, with a password of their own.
    let second = app.client().sign_up("Bea@Example.com", NEW_PASSWORD).await;
    assert_eq!(second.status(), 202);
    assert_eq!(json(second).await, first, "the same answer");
    let fresh = app.client().sign_up("cai@example.com", PASSWORD).await;
    assert_eq!(json(fresh).await, first, "the same answer as a new address");

    // In a browser too: the same page.
    let browser = app.browser();
    let taken = browser.sign_up("bea@example.com", NEW_PASSWORD).await;
    let new = app.browser().sign_up("dee@example.com", PASSWORD).await;
    assert_eq!(taken.status(), 303);
    assert_eq!(taken.status(), new.status());
    assert_eq!(taken.headers()["location"], new.headers()["location"]);

    // The owner hears about it; the link in the notice is to the reset page, not a secret.
    let notice = sink.wait_for("bea@example.com", TAKEN).await;
    assert!(notice.body.contains(&app.url("/forgot-password")));
    assert!(!notice.body.contains("token="));
    // The repeat within the resend interval is not mailed again.
    sink.wait_for("dee@example.com", CONFIRM).await;
    assert_eq!(sink.received("bea@example.com", TAKEN).len(), 1);
    assert_eq!(sink.received("bea@example.com", CONFIRM).len(), 1);

    // Nothing about the account changed: its password is the owner's.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'bea@example.com'")
            .await,
        1
    );
    assert_eq!(
        app.client()
            .sign_in("bea@example.com", NEW_PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.client()
            .sign_in("bea@example.com", PASSWORD)
            .await
            .status(),
        200
    );
}
both_backends!(a_taken_address_answers_like_a_new_one_and_its_owner_is_told);

async fn an_unconfirmed_account_cannot_be_made_staff(backend: Backend) {
    let (app, sink) = app_with_sink(backend, |_| {}).await;
    let admin = app.admin().await;
    // Eve signed up and signed in with her password, but never confirmed her address.
    let eve = app.signed_up_unverified("eve@example.com").await;
    assert_eq!(eve.get("/home").await.status(), 200, "she can practise");
    let eve_id = listed_user_id(&admin, "eve@example.com").await;

    for role in ["reviewer", "admin"] {
        let refused = admin
            .server_fn("change_role", &[("user_id", &eve_id), ("role", role)])
            .await;
        assert_eq!(refused.status(), 422, "{role}");
        assert!(
            refused
                .text()
                .await
                .unwrap_or_default()
                .contains("not confirmed its email address"),
            "{role}: the refusal says why"
        );
    }
    assert_eq!(
        json(eve.server_fn("whoami", &[]).await).await["role"],
        "candidate"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'role_changed' AND detail LIKE '%reviewer%'")
            .await,
        0
    );

    // Signed in as herself, she confirms with the link alone (no password asked).
    let mail = sink.wait_for("eve@example.com", CONFIRM).await;
    let confirmed = eve
        .post_form("/auth/verify", &[("token", &mail.token())])
        .await;
    assert_eq!(confirmed.status(), 200);
    let promoted = admin
        .server_fn("change_role", &[("user_id", &eve_id), ("role", "reviewer")])
        .await;
    assert_eq!(promoted.status(), 200);
    assert_eq!(
        json(eve.server_fn("whoami", &[]).await).await["role"],
        "reviewer"
    );

    // `server promote` is an operator's act on the machine: it vouches for the address.
    app.signed_up_unverified("finn@example.com").await;
    app.promote("finn@example.com").await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM users WHERE email = 'finn@example.com' \
             AND role = 'admin' AND email_verified = 1"
        )
        .await,
        1
    );
}
both_backends!(an_unconfirmed_account_cannot_be_made_staff);
