//! The composition root: builds every long-lived part once, wires the router and its layers,
//! and binds the listener. Tests call [`Application::build`] with their own settings and port 0.

use crate::{csrf, page_guard, routes};
use app::server::client_ip::TrustForwardedFor;
use app::server::state::AppState;
use app::{shell, App};
use axum::extract::{DefaultBodyLimit, State};
use axum::response::IntoResponse;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use rehearse_auth::oauth::OAuthProviders;
use rehearse_auth::throttle::LoginThrottle;
use rehearse_auth::Accounts;
use rehearse_db::{Db, JobQueue, SessionStore};
use rehearse_interview::live::LiveHub;
use rehearse_interview::memory::TokenBudget;
use rehearse_interview::prompts::PromptStore;
use rehearse_interview::service::InterviewService;
use rehearse_interview::store::InterviewStore;
use rehearse_llm::ChatModel;
use rehearse_settings::Settings;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub const SESSION_COOKIE: &str = "rehearse_session";

pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    state: AppState,
}

/// Leptos options from the variables cargo-leptos sets, with the workspace's values as
/// fallbacks so the binary also runs on its own.
pub fn leptos_options() -> anyhow::Result<LeptosOptions> {
    if let Ok(conf) = get_configuration(None) {
        return Ok(conf.leptos_options);
    }
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
    let addr: SocketAddr = env("LEPTOS_SITE_ADDR", "127.0.0.1:3000").parse()?;
    Ok(LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME", "rehearse"))
        .site_root(env("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(addr)
        .build())
}

impl Application {
    pub async fn build(
        settings: Settings,
        leptos_options: LeptosOptions,
    ) -> anyhow::Result<Application> {
        Self::build_with_model(settings, leptos_options, None).await
    }

    /// Like [`Application::build`], with the chat model supplied instead of built from the
    /// settings: tests pass a scripted double here.
    pub async fn build_with_model(
        settings: Settings,
        leptos_options: LeptosOptions,
        model: Option<Arc<dyn ChatModel>>,
    ) -> anyhow::Result<Application> {
        let settings = Arc::new(settings);
        let db = Db::connect(&settings.database_url()).await?;
        db.migrate().await?;
        let sessions = SessionStore::open(&db).await?;
        tokio::spawn(
            sessions
                .clone()
                .delete_expired_every(Duration::from_secs(3600)),
        );

        let throttle = Arc::new(LoginThrottle::new(
            settings.login_attempts_per_account,
            settings.login_attempts_per_ip,
            Duration::from_secs(settings.login_window_secs),
        ));
        spawn_throttle_cleanup(throttle.clone());
        let accounts = Accounts::new(&db, throttle, settings.bootstrap_admins.clone());
        let oauth = OAuthProviders::new(&settings.oauth)?;
        let model = match model {
            Some(model) => model,
            None => crate::models::chat_model(&settings).await?,
        };
        let gateway = crate::models::gateway(&settings, &db, model);
        let prompts = PromptStore::new(&db);
        prompts.seed().await?;
        let interviews = InterviewService::new(
            InterviewStore::new(&db),
            prompts,
            gateway.clone(),
            LiveHub::default(),
            JobQueue::new(&db),
        )
        .with_budget(TokenBudget::for_window(
            settings.llm.context_window,
            settings.llm.max_reply_tokens,
            settings.llm.history_tokens,
        ))
        .with_knowledge(crate::models::knowledge(&settings, &db));
        spawn_job_worker(interviews.clone());

        let listen = match &settings.listen {
            Some(addr) => addr.clone(),
            None => leptos_options.site_addr.to_string(),
        };
        let listener = tokio::net::TcpListener::bind(&listen).await?;
        let state = AppState {
            settings: settings.clone(),
            db,
            accounts,
            oauth,
            gateway,
            interviews,
            leptos_options,
        };
        let router = router(state.clone(), sessions);
        Ok(Application {
            listener,
            router,
            state,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    pub fn port(&self) -> u16 {
        self.address().port()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C / SIGTERM, finishing in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
    }
}

fn router(state: AppState, sessions: SessionStore) -> Router {
    let settings = state.settings.clone();
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();

    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(i64::from(
            settings.session_idle_hours,
        ))));

    Router::new()
        .merge(routes::health::router())
        .nest("/auth", routes::auth::router())
        .merge(routes::interviews::router())
        .merge(routes::knowledge::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_guard::guard,
        ))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(
            settings.clone(),
            csrf::same_origin_only,
        ))
        .layer(axum::Extension(TrustForwardedFor(
            settings.trust_forwarded_for,
        )))
        .layer(DefaultBodyLimit::max(upload_limit(&settings)))
        .layer(axum::middleware::from_fn_with_state(
            settings.clone(),
            limit_body,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The background worker: runs queued jobs, idling briefly when there are none.
/// The largest request body: job-description uploads may be larger than everything else.
fn upload_limit(settings: &Settings) -> usize {
    settings
        .max_body_bytes
        .max(settings.knowledge.max_upload_bytes + 64 * 1024)
}

/// Caps every request body at `max_body_bytes`, except the job-description upload route which
/// gets the upload limit (plus room for the form around the file). Over the cap: 413.
async fn limit_body(
    State(settings): State<Arc<Settings>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let limit = if request.uri().path() == routes::knowledge::UPLOAD_PATH {
        upload_limit(&settings)
    } else {
        settings.max_body_bytes
    };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let request =
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

/// The one background worker: drains the durable job table (interview summaries, then
/// knowledge-base ingestion and purges), sleeping while there is nothing to do.
fn spawn_job_worker(interviews: InterviewService) {
    tokio::spawn(async move {
        loop {
            let summaries = interviews.run_next_job().await;
            let knowledge = match interviews.knowledge() {
                Some(kb) => kb.run_next_job().await.map_err(|e| e.to_string()),
                None => Ok(false),
            };
            match (summaries, knowledge) {
                (Ok(true), _) | (_, Ok(true)) => continue,
                (Ok(false), Ok(false)) => tokio::time::sleep(Duration::from_millis(500)).await,
                (s, k) => {
                    let error = s
                        .err()
                        .map(|e| e.to_string())
                        .or(k.err())
                        .unwrap_or_default();
                    tracing::warn!(%error, "background job failed");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    });
}

fn spawn_throttle_cleanup(throttle: Arc<LoginThrottle>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            throttle.forget_idle();
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
