//! Refusals: wrong state, replayed code, HS256 ID token, unknown provider, broken callbacks.

use super::assert_accounts;
use super::provider::{
    app_with_provider, app_with_registration, sign_in_via_provider, walk_provider, with_state,
    Registration,
};
use crate::support::Backend;
use rehearse_testkit::both_backends;

async fn wrong_state_and_replayed_code_are_refused(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let client = app.client();
    let callback = walk_provider(&app, &provider, &client, "liam@example.com").await;
    let forged = client
        .http
        .get(with_state(&callback, "forged-state"))
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), 400);
    // The wrong state burned the flow: even the right URL is refused now.
    let after = client.http.get(&callback).send().await.expect("after");
    assert_eq!(after.status(), 400);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);

    // A code that was already exchanged, presented with a fresh, valid state, is refused by
    // the provider and so by us.
    let first = app.client();
    let used = walk_provider(&app, &provider, &first, "liam@example.com").await;
    assert_eq!(
        first
            .http
            .get(&used)
            .send()
            .await
            .expect("first use")
            .status(),
        200
    );
    let attacker = app.client();
    let fresh = walk_provider(&app, &provider, &attacker, "mallory@example.com").await;
    let fresh_state = reqwest::Url::parse(&fresh)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    let replayed = attacker
        .http
        .get(with_state(&used, &fresh_state))
        .send()
        .await
        .expect("replayed");
    assert_eq!(replayed.status(), 401);
    let me = attacker.server_fn_text("whoami", &[]).await;
    assert_eq!(me, "null", "the attacker is not signed in");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}
both_backends!(wrong_state_and_replayed_code_are_refused);

/// A provider that advertises HS256 and MACs the ID token with the client secret: such a token
/// proves nothing about who signed it (anyone holding the secret can mint one), so the sign-in
/// is refused even though every other check passes. The same flow with the default (RS256)
/// registration signs in, so the refusal is the algorithm's.
async fn id_token_macd_with_the_client_secret_is_refused(backend: Backend) {
    let registration = Registration {
        // HS256 keys should be at least 256 bits; the provider MACs with the secret as is.
        client_secret: "rehearse-test-secret-long-enough-for-hs256-0123456789",
        id_token_alg: Some("HS256"),
    };
    let (app, provider) = app_with_registration(backend, registration, |_| {}).await;
    let discovery: serde_json::Value = reqwest::get(format!(
        "{}/.well-known/openid-configuration",
        provider.base
    ))
    .await
    .expect("discovery")
    .json()
    .await
    .expect("discovery JSON");
    assert!(
        discovery["id_token_signing_alg_values_supported"]
            .as_array()
            .is_some_and(|algs| algs.iter().any(|a| a == "HS256")),
        "the provider advertises HS256: {discovery}"
    );

    let client = app.client();
    let refused = sign_in_via_provider(&app, &provider, &client, "hugo@example.com").await;
    assert_eq!(refused.status(), 401);
    let me = client.server_fn_text("whoami", &[]).await;
    assert_eq!(me, "null", "not signed in");
    assert_accounts(&app, 0, 0).await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'oauth_failed' \
             AND detail LIKE '%HS256%'"
        )
        .await,
        1,
        "the refusal is audited with the algorithm"
    );

    let (app, provider) = app_with_provider(backend).await;
    let client = app.client();
    let signed_in = sign_in_via_provider(&app, &provider, &client, "hugo@example.com").await;
    assert_eq!(
        signed_in.status(),
        200,
        "the default RS256 registration signs in"
    );
}
both_backends!(id_token_macd_with_the_client_secret_is_refused);

async fn unknown_provider_and_incomplete_callbacks(backend: Backend) {
    let (app, _provider) = app_with_provider(backend).await;
    let client = app.client();
    assert_eq!(client.get("/auth/oauth/nope/start").await.status(), 404);
    assert_eq!(client.get("/auth/oauth/corp/callback").await.status(), 400);
    assert_eq!(
        client
            .get("/auth/oauth/corp/callback?code=abc&state=def")
            .await
            .status(),
        400
    );
    assert_eq!(
        client
            .get("/auth/oauth/corp/callback?error=access_denied")
            .await
            .status(),
        401
    );
    let browser = app.browser();
    let redirected = browser
        .get("/auth/oauth/corp/callback?code=abc&state=def")
        .await;
    assert_eq!(redirected.status(), 303);
    let page = crate::support::html(browser.get("/login").await).await;
    assert!(
        page.contains("not valid for your session"),
        "the reason is shown on the sign-in page"
    );
}
both_backends!(unknown_provider_and_incomplete_callbacks);
