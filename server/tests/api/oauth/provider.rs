//! The OIDC provider process, an app that signs in through it, and a walk through its pages.

use crate::support::{Backend, Client, TestApp};
use std::process::Stdio;
use std::time::Duration;

pub(super) struct Provider {
    _child: tokio::process::Child,
    pub(super) base: String,
}

/// How our client is registered at the provider.
#[derive(Clone, Copy)]
pub(super) struct Registration {
    pub(super) client_secret: &'static str,
    /// `id_token_signed_response_alg`; the provider's default (RS256) when `None`.
    pub(super) id_token_alg: Option<&'static str>,
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
pub(super) async fn app_with_provider(backend: Backend) -> (TestApp, Provider) {
    app_with_provider_and(backend, |_| {}).await
}

/// Like [`app_with_provider`], with the test settings further adjusted by `configure`.
pub(super) async fn app_with_provider_and(
    backend: Backend,
    configure: impl Fn(&mut rehearse_settings::Settings),
) -> (TestApp, Provider) {
    app_with_registration(backend, DEFAULT_REGISTRATION, configure).await
}

/// Like [`app_with_provider_and`], with our client registered at the provider as `registration`.
pub(super) async fn app_with_registration(
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
pub(super) async fn walk_provider(
    app: &TestApp,
    provider: &Provider,
    client: &Client,
    login: &str,
) -> String {
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

/// Walks the provider's pages as `login` like [`walk_provider`], then follows the provider's
/// redirect back to our callback; returns our callback's answer.
pub(super) async fn sign_in_via_provider(
    app: &TestApp,
    provider: &Provider,
    client: &Client,
    login: &str,
) -> reqwest::Response {
    let callback = walk_provider(app, provider, client, login).await;
    client.http.get(&callback).send().await.expect("callback")
}

pub(super) fn with_state(callback: &str, state: &str) -> String {
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
