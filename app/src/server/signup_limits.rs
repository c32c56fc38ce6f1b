//! Admission to sign-up, in front of `POST /auth/signup` (`REHEARSE_SIGNUP__*`).
//!
//! Every sign-up attempt may cost an argon2id hash: 19 MiB of memory and tens of milliseconds
//! of CPU on the blocking pool. Two limits keep a flood of them from taking the server down:
//!
//! 1. a throttle per client IP (IPv6 by /64), [`rehearse_auth::throttle::SignUpThrottle`],
//!    charged by every attempt, valid or not; over it: 429 with `Retry-After`;
//! 2. at most `max_concurrent` sign-ups run at once (a semaphore held around the sign-up, whose
//!    only expensive step is the hash); the others wait in line for at most `queue_wait_ms`
//!    and are then answered 503 with `Retry-After`, so a burst queues briefly and an overload
//!    is shed instead of piling up.
//!
//! Browsers get the refusal on the sign-up form (post-redirect-get, like every form error);
//! API clients get the status and a JSON body.

use super::client_ip::ClientIp;
use super::flash;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rehearse_auth::throttle::SignUpThrottle;
use rehearse_settings::SignUpSettings;
use rehearse_types::{FormErrors, FormFlash};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tower_sessions::Session;

/// The route these limits guard.
pub const SIGN_UP_PATH: &str = "/auth/signup";

/// The sign-up throttle and the bound on sign-ups running at once; cheap to clone.
#[derive(Debug, Clone)]
pub struct SignUpLimits {
    throttle: Arc<SignUpThrottle>,
    running: Arc<Semaphore>,
    queue_wait: Duration,
}

impl SignUpLimits {
    pub fn new(settings: &SignUpSettings) -> Self {
        SignUpLimits {
            throttle: Arc::new(SignUpThrottle::new(
                settings.attempts_per_ip,
                Duration::from_secs(settings.window_secs),
            )),
            running: Arc::new(Semaphore::new(settings.max_concurrent.max(1) as usize)),
            queue_wait: Duration::from_millis(settings.queue_wait_ms),
        }
    }

    /// Forgets addresses whose limit has recovered, every minute, so memory stays bounded
    /// under a spray of addresses. Spawn once per server.
    pub fn spawn_cleanup(&self) {
        let throttle = self.throttle.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                throttle.forget_idle();
            }
        });
    }
}

enum Refusal {
    Throttled(Duration),
    Busy(Duration),
}

/// Middleware: admits a sign-up or refuses it (see the module docs); other requests pass.
pub async fn admit(
    State(limits): State<SignUpLimits>,
    ClientIp(ip): ClientIp,
    request: Request,
    next: Next,
) -> Response {
    if *request.method() != Method::POST || request.uri().path() != SIGN_UP_PATH {
        return next.run(request).await;
    }
    // Taken out now: a request body is not `Sync`, so no borrow of it may live across an await.
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let session = request.extensions().get::<Session>().cloned();
    if let Err(throttled) = limits.throttle.check(ip) {
        tracing::warn!(?ip, "sign-up throttled");
        return refuse(
            wants_html,
            session,
            Refusal::Throttled(throttled.retry_after),
        )
        .await;
    }
    let waited = tokio::time::timeout(limits.queue_wait, limits.running.clone().acquire_owned());
    let Ok(Ok(permit)) = waited.await else {
        tracing::warn!(?ip, "sign-up refused: too many sign-ups running");
        let retry = limits.queue_wait.max(Duration::from_secs(1));
        return refuse(wants_html, session, Refusal::Busy(retry)).await;
    };
    let response = next.run(request).await;
    drop(permit);
    response
}

/// Whole seconds, rounded up, at least 1.
fn seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

async fn refuse(wants_html: bool, session: Option<Session>, refusal: Refusal) -> Response {
    let (status, code, message, wait) = match refusal {
        Refusal::Throttled(wait) => {
            let minutes = seconds(wait).div_ceil(60);
            let message = format!(
                "Too many sign-ups from your network. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            );
            (StatusCode::TOO_MANY_REQUESTS, "throttled", message, wait)
        }
        Refusal::Busy(wait) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Many people are signing up right now. Try again in a few seconds.".to_owned(),
            wait,
        ),
    };
    if wants_html {
        if let Some(session) = session {
            let stored = FormFlash {
                form: "signup".to_owned(),
                errors: FormErrors::whole(message.clone()),
                ..Default::default()
            };
            match flash::put(&session, stored).await {
                Ok(()) => return Redirect::to("/signup").into_response(),
                Err(e) => tracing::warn!(error = %e, "could not store a sign-up refusal"),
            }
        }
    }
    let body = axum::Json(serde_json::json!({ "error": code, "message": message, "fields": [] }));
    let mut response = (status, body).into_response();
    if let Ok(value) = HeaderValue::from_str(&seconds(wait).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::seconds;
    use std::time::Duration;

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(seconds(Duration::ZERO), 1);
        assert_eq!(seconds(Duration::from_millis(1500)), 2);
        assert_eq!(seconds(Duration::from_secs(180)), 180);
    }
}
