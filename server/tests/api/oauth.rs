//! OpenID Connect sign-in against a real provider process (npm `oidc-provider`, started per
//! test from `end2end/oidc/provider.mjs`): the full authorization-code + PKCE flow, linking by
//! verified email (which takes an unverified local account away from whoever registered it, and
//! never reaches a staff account), bootstrap admins by verified email, and refusal of wrong
//! states, replayed callbacks, replayed codes and ID tokens MACed with the client secret.
//!
//! Longer than 400 lines on purpose: every sign-in path against the real OIDC provider process shares its start-up; split by scenario, each file would repeat them.

use crate::support::{json, Backend, Client, TestApp, ADMIN_EMAIL, PASSWORD};
use rehearse_testkit::both_backends;
use std::process::Stdio;
use std::time::Duration;

struct Provider {
    _child: tokio::process::Child,
    base: String,
}

/// How our client is registered at the provider.
#[derive(Clone, Copy)]
struct Registration {
    client_secret: &'static str,
    /// `id_token_signed_response_alg`; the provider's default (RS256) when `None`.
    id_token_alg: Option<&'static str>,
}

const DEFAULT_REGISTRATION: Registration = Registration {
    client_secret: "rehearse-test-secret",
    id_token_alg: None,
};

/// Starts the provider on `port` and waits for the process itself to report that it listens.
/// Probing the port is not enough: between `free_port` releasing a port and node binding it,
/// another test's provider or socket can take it, and a probe would then reach that one (with
/// other redirect URIs), so the flow would fail in confusing ways. `None` means the port was
/// lost (the process exited with EADDRINUSE) and the caller should try another; any other exit
/// fails the test with the provider's own error.
async fn start_provider(
    redirect_uri: &str,
    port: u16,
    registration: Registration,
) -> Option<Provider> {
    use tokio::io::AsyncBufReadExt;
    let root = rehearse_testkit::workspace_root();
    let mut command = tokio::process::Command::new("node");
    command
        .arg(root.join("end2end/oidc/provider.mjs"))
        .arg(port.to_string())
        .arg(redirect_uri)
        .env("OIDC_CLIENT_SECRET", registration.client_secret);
    if let Some(alg) = registration.id_token_alg {
        command.env("OIDC_ID_TOKEN_ALG", alg);
    }
    let mut child = command
        .current_dir(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node must be installed (npm ci provides oidc-provider)");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("oidc-provider ready") {
                return true;
            }
        }
        false
    })
    .await
    .expect("oidc-provider neither started nor exited within 60 s");
    let mut stderr = child.stderr.take().expect("piped stderr");
    if !ready {
        // The process has exited: only a lost port is worth another try.
        use tokio::io::AsyncReadExt;
        let mut why = String::new();
        let _ = stderr.read_to_string(&mut why).await;
        assert!(
            why.contains("EADDRINUSE"),
            "oidc-provider exited on start:\n{why}"
        );
        return None;
    }
    // Keep draining both streams so the provider never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut stderr, &mut tokio::io::sink()).await;
    });
    Some(Provider {
        _child: child,
        base: format!("http://127.0.0.1:{port}"),
    })
}

/// An app with provider "corp" configured, and the provider process.
async fn app_with_provider(backend: Backend) -> (TestApp, Provider) {
    app_with_provider_and(backend, |_| {}).await
}

/// Like [`app_with_provider`], with the test settings further adjusted by `configure`.
async fn app_with_provider_and(
    backend: Backend,
    configure: impl Fn(&mut rehearse_settings::Settings),
) -> (TestApp, Provider) {
    app_with_registration(backend, DEFAULT_REGISTRATION, configure).await
}

/// Like [`app_with_provider_and`], with our client registered at the provider as `registration`.
async fn app_with_registration(
    backend: Backend,
    registration: Registration,
    configure: impl Fn(&mut rehearse_settings::Settings),
) -> (TestApp, Provider) {
    for _ in 0..5 {
        let port = rehearse_testkit::free_port();
        let app = TestApp::spawn_with(backend, |s| {
            configure(s);
            let settings: rehearse_settings::OAuthProviderSettings =
                serde_json::from_value(serde_json::json!({
                    "kind": "oidc",
                    "label": "Corp SSO",
                    "issuer": format!("http://127.0.0.1:{port}"),
                    "client_id": "rehearse",
                    "client_secret": registration.client_secret,
                }))
                .expect("provider settings");
            s.oauth.insert("corp".into(), settings);
        })
        .await;
        let callback = app.url("/auth/oauth/corp/callback");
        if let Some(provider) = start_provider(&callback, port, registration).await {
            return (app, provider);
        }
    }
    panic!("oidc-provider could not bind a free port in 5 tries");
}

fn extract(html: &str, pattern: &str) -> Option<String> {
    let start = html.find(pattern)? + pattern.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].replace("&amp;", "&"))
}

/// Starts a flow at our app and walks the provider's login and consent pages as `login`.
/// Returns the callback URL the provider sends the browser back to (not yet visited).
async fn walk_provider(app: &TestApp, provider: &Provider, client: &Client, login: &str) -> String {
    let start = client.get("/auth/oauth/corp/start").await;
    assert_eq!(start.status(), 303, "start redirects to the provider");
    let mut next = start.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(next.starts_with(&provider.base), "{next}");
    assert!(
        next.contains("code_challenge_method=S256"),
        "PKCE is used: {next}"
    );
    assert!(next.contains("nonce="), "a nonce is sent: {next}");
    let callback = app.url("/auth/oauth/corp/callback");
    for _ in 0..20 {
        if next.starts_with(&callback) {
            return next;
        }
        let url = if next.starts_with('/') {
            format!("{}{next}", provider.base)
        } else {
            next.clone()
        };
        let response = client
            .http
            .get(&url)
            .header("accept", "text/html")
            .send()
            .await
            .expect("provider GET");
        if response.status().is_redirection() {
            next = response.headers()["location"]
                .to_str()
                .expect("location")
                .to_owned();
            continue;
        }
        let html = response.text().await.expect("provider page");
        let action = extract(&html, "action=\"")
            .unwrap_or_else(|| panic!("no form on the provider page {url}:\n{html}"));
        let action = if action.starts_with('/') {
            format!("{}{action}", provider.base)
        } else {
            action
        };
        let form: Vec<(&str, &str)> = if html.contains("value=\"login\"") {
            vec![("prompt", "login"), ("login", login), ("password", "any")]
        } else {
            vec![("prompt", "consent")]
        };
        let posted = client
            .http
            .post(&action)
            .form(&form)
            .send()
            .await
            .expect("provider POST");
        assert!(
            posted.status().is_redirection(),
            "provider form answered {}",
            posted.status()
        );
        next = posted.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
    }
    panic!("the provider never redirected back");
}

fn with_state(callback: &str, state: &str) -> String {
    let mut url = reqwest::Url::parse(callback).expect("callback url");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let value = if k == "state" {
                state.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), value)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

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
    let callback = walk_provider(&app, &provider, &again, "kate@example.com").await;
    assert_eq!(
        json(again.http.get(&callback).send().await.expect("callback")).await["id"],
        body["id"]
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_identities").await, 1);
    assert!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'oauth_failed'")
            .await
            >= 2
    );
}
both_backends!(oidc_sign_in_creates_an_account_once);

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
    let me = attacker
        .server_fn("whoami", &[])
        .await
        .text()
        .await
        .expect("body");
    assert_eq!(me, "null", "the attacker is not signed in");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}
both_backends!(wrong_state_and_replayed_code_are_refused);

/// Pre-account takeover: someone registers the victim's address locally (never verified) with a
/// password of their own and stays signed in. When the real owner signs in through a provider
/// that verified the address, the account becomes theirs: the squatter's password stops
/// working and the squatter's live session is ended.
async fn verified_email_takes_over_an_unverified_local_account(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let squatter = app.signed_up_unverified("mia@example.com").await;
    let local_id = json(squatter.server_fn("whoami", &[]).await).await["id"].clone();
    assert_eq!(squatter.get("/home").await.status(), 200);

    let owner = app.client();
    let callback = walk_provider(&app, &provider, &owner, "mia@example.com").await;
    let done = owner.http.get(&callback).send().await.expect("callback");
    assert_eq!(done.status(), 200);
    let body = json(done).await;
    assert_eq!(
        body["id"], local_id,
        "linked into the account with that email"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_identities").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE password_hash IS NULL AND email_verified = 1")
            .await,
        1,
        "the password is gone and the email is verified"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'oauth_linked' \
             AND detail LIKE '%password was removed%' AND detail LIKE '%sessions were ended%'"
        )
        .await,
        1
    );

    // The squatter's session, signed in before the takeover, signs nobody in any more.
    let home = squatter.get("/home").await;
    assert_eq!(home.status(), 303, "the squatter is signed out");
    assert!(home.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .starts_with("/login"));
    let me = squatter
        .server_fn("whoami", &[])
        .await
        .text()
        .await
        .expect("body");
    assert_eq!(me, "null");
    assert_eq!(squatter.server_fn("list_users", &[]).await.status(), 401);

    // Nor does the squatter's password.
    assert_eq!(
        app.client()
            .sign_in("mia@example.com", PASSWORD)
            .await
            .status(),
        401
    );

    // The owner's new session is unaffected.
    let me = json(owner.server_fn("whoami", &[]).await).await;
    assert_eq!(me["id"], local_id);
    assert_eq!(owner.get("/home").await.status(), 200);
    // And signing in through the provider again reaches the same account, still signed in.
    let again = app.client();
    let callback = walk_provider(&app, &provider, &again, "mia@example.com").await;
    assert_eq!(
        json(again.http.get(&callback).send().await.expect("callback")).await["id"],
        local_id
    );
    assert_eq!(
        json(owner.server_fn("whoami", &[]).await).await["id"],
        local_id
    );
}
both_backends!(verified_email_takes_over_an_unverified_local_account);

/// A provider account with a staff member's address must not become a way into staff rights:
/// staff accounts (admins, reviewers) are never linked automatically.
async fn staff_accounts_are_not_linked_automatically(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let admin = app.admin().await;
    let reviewer = app.signed_up("rex@example.com").await;
    let pool = app.db().await;
    sqlx::query("UPDATE users SET role = 'reviewer' WHERE email = 'rex@example.com'")
        .execute(&pool)
        .await
        .expect("make rex a reviewer");

    for (email, staff) in [(ADMIN_EMAIL, &admin), ("rex@example.com", &reviewer)] {
        let client = app.client();
        let callback = walk_provider(&app, &provider, &client, email).await;
        let refused = client.http.get(&callback).send().await.expect("callback");
        assert_eq!(refused.status(), 403, "{email}");
        assert!(
            json(refused).await["message"]
                .as_str()
                .unwrap_or_default()
                .contains("Sign in with your email and password"),
            "{email}: the refusal says how to sign in"
        );
        let me = client
            .server_fn("whoami", &[])
            .await
            .text()
            .await
            .expect("body");
        assert_eq!(me, "null", "{email}: not signed in through the provider");
        // The staff member's own session and password are untouched.
        assert_eq!(
            json(staff.server_fn("whoami", &[]).await).await["email"],
            email
        );
        assert_eq!(
            app.client().sign_in(email, PASSWORD).await.status(),
            200,
            "{email}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_identities").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'oauth_linked'")
            .await,
        0
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'oauth_failed' \
             AND detail LIKE '%staff account%'"
        )
        .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE password_hash IS NULL")
            .await,
        0
    );
}
both_backends!(staff_accounts_are_not_linked_automatically);

/// The bootstrap list makes an admin only of an address a sign-in provider has verified, on
/// that address's first sign-in; other addresses are candidates as usual.
async fn bootstrap_email_verified_by_the_provider_becomes_admin(backend: Backend) {
    let (app, provider) = app_with_provider_and(backend, |s| {
        s.bootstrap_admins = vec!["Boss@Example.com".into()];
    })
    .await;
    let boss = app.client();
    let callback = walk_provider(&app, &provider, &boss, "boss@example.com").await;
    let done = boss.http.get(&callback).send().await.expect("callback");
    assert_eq!(done.status(), 200);
    let body = json(done).await;
    assert_eq!(body["email"], "boss@example.com");
    assert_eq!(body["role"], "admin");
    assert_eq!(boss.get("/admin/users").await.status(), 200);
    assert_eq!(boss.server_fn("list_users", &[]).await.status(), 200);

    let other = app.client();
    let callback = walk_provider(&app, &provider, &other, "nell@example.com").await;
    let body = json(other.http.get(&callback).send().await.expect("callback")).await;
    assert_eq!(body["role"], "candidate");
    assert_eq!(other.get("/admin/users").await.status(), 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        1
    );
}
both_backends!(bootstrap_email_verified_by_the_provider_becomes_admin);

async fn unverified_email_is_refused(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    app.signed_up("unverified@example.com").await;
    let client = app.client();
    let callback = walk_provider(&app, &provider, &client, "unverified@example.com").await;
    let refused = client.http.get(&callback).send().await.expect("callback");
    assert_eq!(refused.status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_identities").await, 0);
    let me = client
        .server_fn("whoami", &[])
        .await
        .text()
        .await
        .expect("body");
    assert_eq!(me, "null");
}
both_backends!(unverified_email_is_refused);

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
    let callback = walk_provider(&app, &provider, &client, "hugo@example.com").await;
    let refused = client.http.get(&callback).send().await.expect("callback");
    assert_eq!(refused.status(), 401);
    let me = client
        .server_fn("whoami", &[])
        .await
        .text()
        .await
        .expect("body");
    assert_eq!(me, "null", "not signed in");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_identities").await, 0);
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
    let callback = walk_provider(&app, &provider, &client, "hugo@example.com").await;
    assert_eq!(
        client
            .http
            .get(&callback)
            .send()
            .await
            .expect("callback")
            .status(),
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
