use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use sqlx::Row;
use std::sync::Arc;

pub use rehearse_testkit::Backend;

pub const PASSWORD: &str = "correct horse battery";
pub const ADMIN_EMAIL: &str = "root@rehearse.test";

pub struct TestApp {
    pub base: String,
    pub db_url: String,
    _dir: tempfile::TempDir,
}

/// A client like a script: keeps cookies, follows no redirects, asks for JSON.
pub struct Client {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    base: String,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts the server with test settings adjusted by `configure`, and a scripted model that
    /// always phrases questions its own way (which the interview keeps only if acceptable).
    pub async fn spawn_with(
        backend: Backend,
        configure: impl FnOnce(&mut rehearse_settings::Settings),
    ) -> TestApp {
        let model =
            rehearse_llm::scripted::ScriptedModel::new(vec![rehearse_llm::scripted::Script::text(
                "Could you tell me about that?",
            )]);
        Self::spawn_with_model(backend, configure, std::sync::Arc::new(model)).await
    }

    pub async fn spawn_with_model(
        backend: Backend,
        configure: impl FnOnce(&mut rehearse_settings::Settings),
        model: std::sync::Arc<dyn rehearse_llm::ChatModel>,
    ) -> TestApp {
        // `REHEARSE_TEST_LOG=warn` (any tracing filter) prints the servers' logs, to see why a
        // scenario failed; off by default, so a passing run prints nothing.
        if let Ok(filter) = std::env::var("REHEARSE_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .try_init();
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = rehearse_testkit::database_url(backend, &dir).await;
        let mut settings = rehearse_settings::load_from(
            None,
            figment::providers::Env::prefixed("REHEARSE_TEST_UNUSED_"),
        )
        .expect("default settings");
        settings.data_dir = dir.path().to_owned();
        settings.database_url = Some(secrecy::SecretString::from(db_url.clone()));
        settings.listen = Some("127.0.0.1:0".into());
        // Scenarios play many people from one address, faster than anyone types; the limits'
        // own tests (`limits.rs`) turn them back on.
        settings.limits.enabled = false;
        // Likewise sign-ups: many accounts from one address, sometimes at once, while other
        // tests hash too. `signup_limits.rs` tests the limits.
        settings.signup.attempts_per_ip = 100_000;
        settings.signup.queue_wait_ms = 120_000;
        settings.knowledge.minilm_dir = Some(
            std::env::var("REHEARSE_MODELS_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|_| rehearse_testkit::workspace_root().join("data/models"))
                .join("minilm"),
        );
        configure(&mut settings);
        let options = leptos::prelude::LeptosOptions::builder()
            .output_name("rehearse")
            .site_root(dir.path().display().to_string())
            .site_pkg_dir("pkg")
            .build();
        let app = server::startup::Application::build_with_model(settings, options, Some(model))
            .await
            .expect("server starts");
        let port = app.port();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            db_url,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn client(&self) -> Client {
        self.client_accepting("application/json")
    }

    /// A client that behaves like a browser without JavaScript: asks for HTML.
    pub fn browser(&self) -> Client {
        self.client_accepting("text/html,application/xhtml+xml")
    }

    /// A client of this app that keeps cookies, follows no redirects and sends `accept` as its
    /// `Accept` header.
    fn client_accepting(&self, accept: &'static str) -> Client {
        let jar = Arc::new(Jar::default());
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(accept));
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(120))
            .default_headers(headers)
            .build()
            .expect("client");
        Client {
            http,
            jar,
            base: self.base.clone(),
        }
    }

    /// Direct database access, for asserting what was (not) written.
    pub async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.db_url)
            .await
            .expect("test db connection")
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let pool = self.db().await;
        let row = sqlx::query(sql)
            .fetch_one(&pool)
            .await
            .expect("count query");
        row.try_get::<i64, _>(0).expect("count value")
    }

    /// Settings for the command-line subcommands (`server promote`, ...) aimed at this app's
    /// database, as an operator would run them next to the server.
    pub fn cli_settings(&self) -> rehearse_settings::Settings {
        let mut settings = rehearse_settings::load_from(
            None,
            figment::providers::Env::prefixed("REHEARSE_TEST_UNUSED_"),
        )
        .expect("default settings");
        settings.data_dir = self._dir.path().to_owned();
        settings.database_url = Some(secrecy::SecretString::from(self.db_url.clone()));
        settings
    }

    /// Makes an existing account an admin through `server promote`, the first-admin path.
    pub async fn promote(&self, email: &str) {
        server::cli::promote(self.cli_settings(), email)
            .await
            .unwrap_or_else(|e| panic!("promote {email}: {e:#}"));
    }

    /// Signs up [`ADMIN_EMAIL`] and promotes it with `server promote`; returns a client signed
    /// in as that admin. (Signing up never makes an admin by itself.)
    pub async fn admin(&self) -> Client {
        let client = self.signed_up(ADMIN_EMAIL).await;
        self.promote(ADMIN_EMAIL).await;
        client
    }

    /// Signs up a new account, confirms its address as its mailed link would (see
    /// [`TestApp::confirmation_link`]; `email/` follows the real mail) and returns a client
    /// signed in as it. Sign-up itself signs nobody in.
    pub async fn signed_up(&self, email: &str) -> Client {
        let client = self.client();
        let response = client.sign_up(email, PASSWORD).await;
        assert_eq!(
            response.status(),
            202,
            "sign-up of {email} failed: {}",
            response.text().await.unwrap_or_default()
        );
        let token = self.confirmation_link(email).await;
        let confirmed = client
            .post_form("/auth/verify", &[("token", &token), ("password", PASSWORD)])
            .await;
        assert_eq!(
            confirmed.status(),
            200,
            "confirming {email} failed: {}",
            confirmed.text().await.unwrap_or_default()
        );
        client
    }

    /// Signs up a new account and signs in with its password without confirming the address:
    /// such an account can practise, but cannot be made staff.
    pub async fn signed_up_unverified(&self, email: &str) -> Client {
        let client = self.client();
        let response = client.sign_up(email, PASSWORD).await;
        assert_eq!(response.status(), 202, "sign-up of {email} failed");
        let signed_in = client.sign_in(email, PASSWORD).await;
        assert_eq!(signed_in.status(), 200, "sign-in of {email} failed");
        client
    }

    /// The secret of a new confirmation link for `email`'s account, made and stored the way
    /// the mail worker makes one, for scenarios that run no SMTP server.
    pub async fn confirmation_link(&self, email: &str) -> String {
        let db = rehearse_db::Db::connect(&self.db_url).await.expect("db");
        let user = rehearse_db::UserRepo::new(&db)
            .by_email(&email.trim().to_lowercase())
            .await
            .expect("look up the account")
            .expect("the account exists");
        let secret = rehearse_auth::links::new_secret();
        let owner = rehearse_db::LinkOwner {
            user_id: user.id,
            email: user.email,
        };
        rehearse_db::CredentialRepo::new(&db)
            .issue(
                &rehearse_auth::links::digest(&secret),
                &owner,
                rehearse_db::LinkPurpose::VerifyEmail,
                60_000,
            )
            .await
            .expect("store the link");
        db.close().await;
        secret
    }
}

impl Client {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/auth/signup",
            &[("email", email), ("password", password), ("name", "")],
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form("/auth/login", &[("email", email), ("password", password)])
            .await
    }

    /// The session cookie's value, if the client holds one.
    pub fn session_cookie(&self) -> Option<String> {
        let url = reqwest::Url::parse(&self.base).expect("base url");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|c| c.strip_prefix(&format!("{}=", server::startup::SESSION_COOKIE)))
            .map(str::to_owned)
    }

    /// Calls a server function by its endpoint name with form-encoded arguments.
    pub async fn server_fn(&self, name: &str, args: &[(&str, &str)]) -> reqwest::Response {
        self.post_form(&format!("/api/{name}"), args).await
    }

    /// Calls a server function like [`Client::server_fn`] and returns its body as text (for
    /// `whoami`, `null` when nobody is signed in).
    pub async fn server_fn_text(&self, name: &str, args: &[(&str, &str)]) -> String {
        self.server_fn(name, args)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("the body of {name}: {e}"))
    }
}

/// The id of the account with `email`, from the user list as `admin` sees it.
pub async fn listed_user_id(admin: &Client, email: &str) -> String {
    let users = json(admin.server_fn("list_users", &[]).await).await;
    users
        .as_array()
        .and_then(|list| list.iter().find(|u| u["email"] == email))
        .and_then(|u| u["id"].as_str())
        .unwrap_or_else(|| panic!("{email} is not listed: {users}"))
        .to_owned()
}

/// Saves `body` as a new version of the `phrase_question` prompt, as `admin`, and asserts that
/// it is version 2 (the first after the shipped one).
pub async fn save_phrase_question_version(admin: &Client, body: &str) {
    let created = admin
        .server_fn(
            "create_prompt_version",
            &[("name", "phrase_question"), ("body", body)],
        )
        .await;
    assert_eq!(json(created).await, 2, "the first saved version is 2");
}

/// Asserts that `response` has `status` and that its body says `reason`.
pub async fn assert_refused(response: reqwest::Response, status: u16, reason: &str) {
    assert_eq!(
        response.status(),
        status,
        "expected {status} saying {reason:?}"
    );
    let body = response.text().await.unwrap_or_default();
    assert!(body.contains(reason), "expected {reason:?} in: {body}");
}

/// The JSON body of a response.
pub async fn json(response: reqwest::Response) -> serde_json::Value {
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// A page's HTML without Leptos' hydration markers, which split adjacent text nodes.
pub async fn html(response: reqwest::Response) -> String {
    response
        .text()
        .await
        .expect("body")
        .replace("<!>", "")
        .replace("<!---->", "")
}
