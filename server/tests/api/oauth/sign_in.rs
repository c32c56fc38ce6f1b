//! The sign-in flow: the first sign-in creates the account once; bootstrap admins by email.

use super::assert_accounts;
use super::provider::{
    app_with_provider, app_with_provider_and, sign_in_via_provider, walk_provider,
};
use crate::support::{json, Backend};
use rehearse_testkit::both_backends;

async fn oidc_sign_in_creates_an_account_once(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let login_page = crate::support::html(app.browser().get("/login").await).await;
    assert!(login_page.contains("Continue with Corp SSO"));

    let client = app.client();
    let callback = walk_provider(&app, &provider, &client, "kate@example.com").await;
    let done = client.http.get(&callback).send().await.expect("callback");
    assert_eq!(done.status(), 200);
    let body = json(done).await;
    assert_eq!(body["email"], "kate@example.com");
    assert_eq!(body["role"], "candidate");
    let me = json(client.server_fn("whoami", &[]).await).await;
    assert_eq!(me["email"], "kate@example.com");

    // The same callback again: the flow was used up, so it is refused.
    let replay = app
        .client()
        .http
        .get(&callback)
        .send()
        .await
        .expect("replay");
    assert_eq!(replay.status(), 400);
    let replay_same_session = client.http.get(&callback).send().await.expect("replay");
    assert_eq!(replay_same_session.status(), 400);

    // Signing in again through the provider reaches the same account.
    let again = app.client();
    let signed_in = sign_in_via_provider(&app, &provider, &again, "kate@example.com").await;
    assert_eq!(json(signed_in).await["id"], body["id"]);
    assert_accounts(&app, 1, 1).await;
    assert!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'oauth_failed'")
            .await
            >= 2
    );
}
both_backends!(oidc_sign_in_creates_an_account_once);

/// The bootstrap list makes an admin only of an address a sign-in provider has verified, on
/// that address's first sign-in; other addresses are candidates as usual.
async fn bootstrap_email_verified_by_the_provider_becomes_admin(backend: Backend) {
    let (app, provider) = app_with_provider_and(backend, |s| {
        s.bootstrap_admins = vec!["Boss@Example.com".into()];
    })
    .await;
    let boss = app.client();
    let done = sign_in_via_provider(&app, &provider, &boss, "boss@example.com").await;
    assert_eq!(done.status(), 200);
    let body = json(done).await;
    assert_eq!(body["email"], "boss@example.com");
    assert_eq!(body["role"], "admin");
    assert_eq!(boss.get("/admin/users").await.status(), 200);
    assert_eq!(boss.server_fn("list_users", &[]).await.status(), 200);

    let other = app.client();
    let body = json(sign_in_via_provider(&app, &provider, &other, "nell@example.com").await).await;
    assert_eq!(body["role"], "candidate");
    assert_eq!(other.get("/admin/users").await.status(), 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        1
    );
}
both_backends!(bootstrap_email_verified_by_the_provider_becomes_admin);
