//! What the server says in headers and believes of them: the security headers on every response
//! (a Content-Security-Policy whose per-response nonce is on every script the page carries),
//! where a sign-in redirects (`next` never leads off-site), and which `X-Forwarded-For` entry
//! is taken as the client's address.

use crate::support::{Backend, TestApp, PASSWORD};
use rehearse_testkit::both_backends;
use sqlx::Row;

/// The nonce in a `Content-Security-Policy` value (`'nonce-…'`).
fn csp_nonce(csp: &str) -> String {
    let start = csp
        .find("'nonce-")
        .unwrap_or_else(|| panic!("no nonce in the policy: {csp}"))
        + "'nonce-".len();
    let len = csp[start..]
        .find('\'')
        .unwrap_or_else(|| panic!("unterminated nonce: {csp}"));
    csp[start..start + len].to_owned()
}

/// Every `<script …>` opening tag in `html`.
fn script_tags(html: &str) -> Vec<&str> {
    html.match_indices("<script")
        .map(|(at, _)| {
            let end = html[at..].find('>').map_or(html.len(), |e| at + e + 1);
            &html[at..end]
        })
        .collect()
}

/// Fetches `path` as a browser and checks the headers and that every script carries the
/// header's nonce; returns the nonce.
async fn page_nonce(app: &TestApp, path: &str) -> String {
    let response = app.browser().get(path).await;
    let headers = response.headers().clone();
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{path}: no Content-Security-Policy"))
        .to_str()
        .expect("ASCII policy")
        .to_owned();
    assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
    assert!(!csp.contains("'unsafe-eval'"), "{path}: {csp}");
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(directive), "{path} lacks {directive}: {csp}");
    }
    assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    let permissions = headers["permissions-policy"].to_str().expect("ASCII");
    for feature in ["camera=()", "microphone=()", "geolocation=()"] {
        assert!(permissions.contains(feature), "{path}: {permissions}");
    }
    assert!(
        headers.get("strict-transport-security").is_none(),
        "{path}: no HSTS over a plain-http public URL"
    );

    let nonce = csp_nonce(&csp);
    let html = response.text().await.expect("body");
    let scripts = script_tags(&html);
    assert!(
        !scripts.is_empty(),
        "{path}: the hydration loader is an inline script"
    );
    let attribute = format!("nonce=\"{nonce}\"");
    for tag in scripts {
        assert!(
            tag.contains(&attribute),
            "{path}: a script without this response's nonce {nonce}: {tag}"
        );
    }
    nonce
}

async fn every_script_carries_the_nonce_in_the_policy(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = page_nonce(&app, "/login").await;
    let second = page_nonce(&app, "/login").await;
    assert_ne!(first, second, "a fresh nonce per response");
    page_nonce(&app, "/").await;
    // The not-found page is rendered by the fallback handler: same policy, same nonce.
    page_nonce(&app, "/no-such-page").await;

    // A signed-in page, whose async resources are inlined as scripts.
    let ann = app.signed_up("ann@example.com").await;
    let home = ann
        .http
        .get(app.url("/home"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("GET /home");
    assert_eq!(home.status(), 200);
    let csp = home.headers()["content-security-policy"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    let nonce = csp_nonce(&csp);
    let html = home.text().await.expect("body");
    for tag in script_tags(&html) {
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "/home: {tag}");
    }

    // Not only pages: API answers and redirects carry the headers too.
    let health = app.client().get("/healthz").await;
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
    assert!(health.headers().get("content-security-policy").is_some());
    let redirect = app.browser().get("/admin/users").await;
    assert_eq!(redirect.status(), 303);
    assert_eq!(redirect.headers()["x-frame-options"], "DENY");
}
both_backends!(every_script_carries_the_nonce_in_the_policy);

async fn hsts_is_sent_under_an_https_public_url(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.public_url = Some("https://rehearse.example".parse().expect("URL"));
    })
    .await;
    let response = app.client().get("/healthz").await;
    assert_eq!(response.status(), 200);
    let hsts = response.headers()["strict-transport-security"]
        .to_str()
        .expect("ASCII");
    assert!(hsts.starts_with("max-age="), "{hsts}");
    let max_age: u64 = hsts["max-age=".len()..]
        .split(';')
        .next()
        .and_then(|v| v.trim().parse().ok())
        .expect("a number of seconds");
    assert!(max_age >= 31_536_000, "at least a year: {hsts}");
}
both_backends!(hsts_is_sent_under_an_https_public_url);

async fn sign_in_never_redirects_off_site(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.login_attempts_per_account = 100;
        s.login_attempts_per_ip = 100;
    })
    .await;
    app.signed_up("ann@example.com").await;
    let sign_in = |next: &'static str| {
        let browser = app.browser();
        async move {
            let response = browser
                .post_form(
                    "/auth/login",
                    &[
                        ("email", "ann@example.com"),
                        ("password", PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(response.status(), 303, "next={next:?}");
            response.headers()["location"]
                .to_str()
                .expect("ASCII location")
                .to_owned()
        }
    };
    // The case: `next=/%09/evil.example/` in the form body is "/<tab>/evil.example/",
    // which browsers read as "//evil.example/".
    for nasty in [
        "/\t/evil.example/",
        "/%09/evil.example/",
        "/\n/evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/%5Cevil.example",
        "/%2F%2Fevil.example",
        "/.//evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
    ] {
        assert_eq!(sign_in(nasty).await, "/home", "next={nasty:?}");
    }
    assert_eq!(
        sign_in("/review?status=held").await,
        "/review?status=held",
        "a local next is kept"
    );
}
both_backends!(sign_in_never_redirects_off_site);

/// The address recorded for the last sign-out.
async fn sign_out_ip(app: &TestApp) -> Option<String> {
    let pool = app.db().await;
    let row =
        sqlx::query("SELECT ip FROM audit_events WHERE kind = 'sign_out' ORDER BY id DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .expect("a sign-out was audited");
    row.try_get::<Option<String>, _>(0).expect("ip column")
}

/// Signs a new account out with `forwarded` as its `X-Forwarded-For` header.
async fn sign_out_forwarded(app: &TestApp, email: &str, forwarded: &str) {
    let client = app.signed_up(email).await;
    let response = client
        .http
        .post(app.url("/auth/logout"))
        .header("x-forwarded-for", forwarded)
        .send()
        .await
        .expect("POST /auth/logout");
    assert!(response.status().is_success(), "{}", response.status());
}

async fn client_ip_is_read_from_the_trusted_hop(backend: Backend) {
    // Direct exposure (the default): the header is the client's own words and is ignored.
    let direct = TestApp::spawn(backend).await;
    sign_out_forwarded(&direct, "ann@example.com", "203.0.113.66").await;
    assert_eq!(sign_out_ip(&direct).await.as_deref(), Some("127.0.0.1"));

    // One proxy of ours: it appended the address it saw; what the client put first is ignored.
    let proxied = TestApp::spawn_with(backend, |s| s.trusted_proxy_hops = 1).await;
    sign_out_forwarded(&proxied, "bob@example.com", "203.0.113.66, 198.51.100.7").await;
    assert_eq!(sign_out_ip(&proxied).await.as_deref(), Some("198.51.100.7"));
}
both_backends!(client_ip_is_read_from_the_trusted_hop);
