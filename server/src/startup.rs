//! The composition root: builds every long-lived part once, wires the router and its layers,
//! and binds the listener. Tests call [`Application::build`] with their own settings and port 0.

mod config;
mod router;
mod workers;

pub use router::page_routes;

use app::server::state::AppState;
use axum::Router;
use config::{review_config, role_answer_config, session_lifetimes};
use leptos::prelude::*;
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
use router::router;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use workers::{spawn_job_worker, spawn_session_purge, spawn_throttle_cleanup};

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
        .with_knowledge(crate::models::knowledge(&settings, &db, {
            let (pricing, loader) = crate::models::embedder(&settings);
            gateway.embeddings(pricing, loader)
        }))
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
