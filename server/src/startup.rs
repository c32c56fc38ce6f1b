//! The composition root: builds every long-lived part once, wires the router and its layers,
//! and binds the listener. Tests call [`Application::build`] with their own settings and port 0.

use crate::security_headers::{provide_request_nonce, set_security_headers, SecurityHeaders};
use crate::{csrf, page_guard, routes};
use app::server::client_ip::TrustedProxyHops;
use app::server::state::AppState;
use app::{shell, App};
use axum::extract::{DefaultBodyLimit, State};
use axum::response::IntoResponse;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
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
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub const SESSION_COOKIE: &str = "rehearse_session";
/// The session cookie's name when the public URL is https. Browsers accept a `__Host-` cookie
/// only when it is `Secure`, has `Path=/` and no `Domain`, so no subdomain or plain-http page
/// can set or shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-rehearse_session";

/// The session cookie's name under these settings.
pub fn session_cookie_name(settings: &Settings) -> &'static str {
    if settings.https() {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// Session lifetimes from the settings: idle, and absolute for candidates and for staff.
fn session_lifetimes(settings: &Settings) -> rehearse_auth::user_sessions::SessionLifetimes {
    rehearse_auth::user_sessions::SessionLifetimes {
        idle: Duration::from_secs(u64::from(settings.session_idle_hours) * 3600),
        candidate: Duration::from_secs(settings.sessions.absolute_secs),
        staff: Duration::from_secs(settings.sessions.staff_absolute_secs),
    }
}

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
        let accounts = Accounts::new(&db, throttle.clone(), settings.bootstrap_admins.clone())
            .with_session_lifetimes(session_lifetimes(&settings));
        spawn_session_purge(accounts.sessions().clone());
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
        .with_knowledge(crate::models::knowledge(&settings, &db))
        .with_review(review_config(&settings))
        .with_role_answers(role_answer_config(&settings))
        .with_capable(settings.llm.capable)
        // A turn may make one model call and a knowledge-base lookup, then write: the call's
        // own timeout plus a minute.
        .with_turn_deadline(Duration::from_secs(settings.llm.call_timeout_secs + 60))
        .with_quotas(rehearse_interview::service::Quotas {
            interviews_per_day: settings.quotas.interviews_per_day,
            messages_per_interview: settings.quotas.messages_per_interview,
        });
        crate::recovery::after_crash(&db).await?;
        spawn_job_worker(
            interviews.clone(),
            gateway.traces().clone(),
            settings.retention.trace_days,
        );

        let listen = match &settings.listen {
            Some(addr) => addr.clone(),
            None => leptos_options.site_addr.to_string(),
        };
        let listener = tokio::net::TcpListener::bind(&listen).await?;
        let verification = crate::mail::start(&settings, &db, throttle, listener.local_addr()?)?;
        let state = AppState {
            settings: settings.clone(),
            db,
            accounts,
            verification,
            oauth,
            gateway,
            interviews,
            limits: Arc::new(app::server::limits::Limits::new(&settings.limits)),
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

    /// Serves until Ctrl-C / SIGTERM, finishing in-flight requests for at most
    /// `shutdown_grace_secs`; then live event streams and anything else still open are cut.
    /// Turns still running are left to their lease and replayed by the next start.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let grace = Duration::from_secs(self.state.settings.shutdown_grace_secs);
        let stopping = Arc::new(tokio::sync::Notify::new());
        let signalled = stopping.clone();
        let serve = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("stopping: finishing requests in flight");
            signalled.notify_one();
        });
        let deadline = async move {
            stopping.notified().await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            served = serve.into_future() => served,
            _ = deadline => {
                tracing::warn!(seconds = grace.as_secs(), "stopped with connections still open (live streams are cut)");
                Ok(())
            }
        }
    }
}

/// The app's page routes, generated once per process.
///
/// Generating them renders the app with a process-wide flag set that makes every `Resource`
/// started meanwhile wait forever (leptos issue #4773): a page rendering on another thread at
/// that moment never answers. Building the list once, before any router exists, means no page
/// can be rendering while it is generated; later routers (tests build one per test) reuse it.
pub fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn router(state: AppState, sessions: SessionStore) -> Router {
    let settings = state.settings.clone();
    let signup_limits = app::server::signup_limits::SignUpLimits::new(&settings.signup);
    signup_limits.spawn_cleanup();
    let routes = page_routes();
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    let render_timeout = Duration::from_secs(settings.render_timeout_secs);

    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(session_cookie_name(&settings))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(i64::from(
            settings.session_idle_hours,
        ))));

    // Pages get a render deadline; the API routes (server functions, the event stream) do not.
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context_state.clone());
                provide_request_nonce();
            },
            move || shell(shell_options.clone()),
        )
        .layer(axum::middleware::from_fn_with_state(
            render_timeout,
            render_deadline,
        ));

    // Unknown paths render the app's not-found page, under this response's CSP nonce too.
    let not_found = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        provide_request_nonce,
        shell,
    );

    Router::new()
        .merge(routes::health::router())
        .nest("/auth", routes::auth::router())
        .merge(routes::interviews::router())
        .merge(routes::knowledge::router())
        .merge(pages)
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_guard::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            app::server::user_sessions::track_sign_ins,
        ))
        .layer(axum::middleware::from_fn_with_state(
            signup_limits,
            app::server::signup_limits::admit,
        ))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(
            settings.clone(),
            csrf::same_origin_only,
        ))
        .layer(axum::Extension(TrustedProxyHops(settings.proxy_hops())))
        .layer(DefaultBodyLimit::max(upload_limit(&settings)))
        .layer(axum::middleware::from_fn_with_state(
            settings.clone(),
            limit_body,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(SecurityHeaders::new(&settings, &state.leptos_options)),
            set_security_headers,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Answers 503 when a page has not rendered within `limit`, so a render stuck on a resource
/// that never resolves costs the visitor a retry, not a connection held open forever.
async fn render_deadline(
    State(limit): State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path().to_owned();
    // The same router carries the server functions, which answer on their own terms.
    if path.starts_with("/api/") {
        return next.run(request).await;
    }
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(%path, seconds = limit.as_secs(), "page render timed out");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, "1")],
                axum::response::Html(RENDER_TIMEOUT_PAGE),
            )
                .into_response()
        }
    }
}

const RENDER_TIMEOUT_PAGE: &str = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Try again · Rehearse</title>
<link rel="stylesheet" href="/pkg/rehearse.css"></head>
<body class="min-h-screen bg-slate-50 text-slate-900"><main class="mx-auto max-w-xl px-4 py-16">
<h1 class="text-2xl font-semibold" data-testid="render-timeout">This page took too long to load</h1>
<p class="mt-2 text-slate-600">Nothing you saved is lost. <a class="text-indigo-700 underline" href="">Reload the page</a> to try again.</p>
</main></body></html>"#;

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

/// The review policy from the settings.
/// Who writes answers about uploaded roles: quoted from the chunks, unless the model is declared
/// capable and `REHEARSE_KNOWLEDGE__ANSWERS=generative` (settings refuse the one without the
/// other).
fn role_answer_config(settings: &Settings) -> rehearse_interview::service::RoleAnswerConfig {
    use rehearse_knowledge::generative::AnswerMode;
    rehearse_interview::service::RoleAnswerConfig {
        mode: match settings.knowledge.answers {
            rehearse_settings::AnswerMode::Generative if settings.llm.capable => {
                AnswerMode::Generative
            }
            _ => AnswerMode::Extractive,
        },
        limits: rehearse_llm::agent::TurnLimits {
            max_iterations: settings.llm.agent_max_iterations,
            deadline: Duration::from_secs(settings.llm.agent_deadline_secs),
        },
        max_tokens: settings.llm.max_reply_tokens,
    }
}

fn review_config(settings: &Settings) -> rehearse_interview::service::ReviewConfig {
    use rehearse_interview::verdict::{ReviewPolicy, SensitivePolicy, SensitiveTopic};
    let rule = |hold: rehearse_settings::SensitiveHold| match hold {
        rehearse_settings::SensitiveHold::Always => SensitivePolicy::Always,
        rehearse_settings::SensitiveHold::WhenUngrounded => SensitivePolicy::WhenUngrounded,
    };
    let mut policy = ReviewPolicy {
        sensitive: rule(settings.review.sensitive),
        ..ReviewPolicy::default()
    };
    for (key, hold) in &settings.review.topics {
        // Settings refuse unknown topics, so every key is one.
        if let Some(topic) = SensitiveTopic::from_key(key) {
            policy = policy.with_topic(topic, rule(*hold));
        }
    }
    rehearse_interview::service::ReviewConfig {
        policy,
        deadline: settings.review.deadline_secs.map(Duration::from_secs),
    }
}

/// The background worker's idle back-off: it polls an empty queue after `IDLE_MIN`, then twice
/// as long each time up to `IDLE_MAX`, and at once again after a job ran. (Turns do not poll:
/// committing one wakes a turn worker.)
const IDLE_MIN: Duration = Duration::from_millis(200);
const IDLE_MAX: Duration = Duration::from_secs(2);

/// Interviewer turns run on this many workers at once; other jobs on one more.
const TURN_WORKERS: usize = 4;

/// The background workers, beside the server and supervised: turns (woken the moment one is
/// committed), then interview summaries and knowledge-base ingestion and purges. A job that
/// fails or panics is recorded on its row and retried by the queue; the worker goes on.
fn spawn_job_worker(
    interviews: InterviewService,
    traces: rehearse_llm::trace::TraceStore,
    trace_days: u32,
) {
    for _ in 0..TURN_WORKERS {
        let service = interviews.clone();
        tokio::spawn(async move {
            loop {
                match supervised(service.run_next_turn()).await {
                    Ok(true) => {}
                    Ok(false) => service.wait_for_work(Duration::from_secs(1)).await,
                    Err(error) => {
                        tracing::error!(%error, "the turn worker failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
    }
    tokio::spawn(async move {
        let mut last_clean_up = std::time::Instant::now();
        let mut last_expiry = std::time::Instant::now();
        let mut idle = IDLE_MIN;
        loop {
            if last_expiry.elapsed() > Duration::from_secs(5) {
                last_expiry = std::time::Instant::now();
                match supervised(async { interviews.expire_reviews().await.map(|e| !e.is_empty()) })
                    .await
                {
                    Ok(true) => {
                        tracing::info!("held answers past their review deadline got the fallback")
                    }
                    Ok(false) => {}
                    Err(error) => tracing::warn!(%error, "could not expire reviews"),
                }
            }
            let summaries = supervised(interviews.run_next_job()).await;
            let knowledge = match interviews.knowledge() {
                Some(kb) => supervised(kb.run_next_job()).await,
                None => Ok(false),
            };
            if last_clean_up.elapsed() > Duration::from_secs(600) {
                last_clean_up = std::time::Instant::now();
                if let Err(e) = interviews.clean_up_jobs().await {
                    tracing::warn!(error = %e, "could not delete finished jobs");
                }
                // Traces keep candidates' words: none outlives the retention period.
                match traces.purge_older_than(trace_days).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(traces = n, days = trace_days, "old traces deleted"),
                    Err(e) => tracing::warn!(error = %e, "could not delete old traces"),
                }
            }
            match (summaries, knowledge) {
                (Ok(true), _) | (_, Ok(true)) => {
                    idle = IDLE_MIN;
                    continue;
                }
                (Ok(false), Ok(false)) => {
                    // Idle back-off: an empty queue is asked less and less often.
                    tokio::time::sleep(idle).await;
                    idle = (idle * 2).min(IDLE_MAX);
                }
                (s, k) => {
                    let error = s.err().or(k.err()).unwrap_or_default();
                    tracing::warn!(%error, "background job failed");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    });
}

/// Runs one step of a worker, turning an error or a panic into a message so the worker lives.
async fn supervised<E: std::fmt::Display>(
    step: impl std::future::Future<Output = Result<bool, E>>,
) -> Result<bool, String> {
    use futures::FutureExt;
    match std::panic::AssertUnwindSafe(step).catch_unwind().await {
        Ok(Ok(ran)) => Ok(ran),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("a job panicked".to_owned()),
    }
}

/// Deletes the records of sessions past every lifetime, hourly (like the session store's own
/// expired-session sweep).
fn spawn_session_purge(sessions: rehearse_auth::user_sessions::UserSessions) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = sessions.delete_expired().await {
                tracing::warn!(error = %e, "could not delete expired session records");
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

#[cfg(test)]
mod tests {
    use super::supervised;

    #[tokio::test]
    async fn a_worker_step_that_panics_or_fails_is_reported_and_the_worker_goes_on() {
        let panicked = supervised(async {
            if true {
                panic!("boom");
            }
            Ok::<bool, String>(true)
        })
        .await;
        assert_eq!(panicked, Err("a job panicked".to_owned()));
        let failed = supervised(async { Err::<bool, _>("no database") }).await;
        assert_eq!(failed, Err("no database".to_owned()));
        assert_eq!(supervised(async { Ok::<_, String>(true) }).await, Ok(true));
    }
}
