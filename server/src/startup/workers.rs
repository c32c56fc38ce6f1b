//! The background work that runs beside the server for its whole life: the job and turn
//! workers, and the hourly and minutely sweeps of expired sessions and idle throttle entries.
//! Kept apart from the composition root because it is a loop-and-supervise concern with its own
//! back-off tuning and its own test, not part of wiring the application together.

use rehearse_auth::throttle::LoginThrottle;
use rehearse_interview::service::InterviewService;
use std::sync::Arc;
use std::time::Duration;

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
pub(super) fn spawn_job_worker(
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
pub(super) fn spawn_session_purge(sessions: rehearse_auth::user_sessions::UserSessions) {
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

pub(super) fn spawn_throttle_cleanup(throttle: Arc<LoginThrottle>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            throttle.forget_idle();
        }
    });
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
