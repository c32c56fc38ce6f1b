//! The server under load and the page prober each run on a tokio runtime of their own, on
//! threads of their own, as a server and a browser do in processes of their own: the crowd's
//! client work is never queued on the server's workers or ahead of the prober's timer, and only
//! the operating system shares the two cores between them. (With one runtime for all, a page
//! load's time included waiting behind a hundred simulated browsers' tasks in the same queue.)

use rehearse_llm::gateway::Gateway;
use rehearse_settings::Settings;
use server::startup::{leptos_options, Application};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// The server running on its own runtime; dropping this stops it.
pub(super) struct ServerApart {
    pub(super) base: String,
    pub(super) gateway: Gateway,
    _stop: oneshot::Sender<()>,
}

/// Builds the server on a multi-threaded runtime of its own (a worker per core, as the
/// server's `main` has) and waits until it listens.
pub(super) async fn serve(
    settings: Settings,
    model: Option<Arc<dyn rehearse_llm::ChatModel>>,
) -> anyhow::Result<ServerApart> {
    let (ready, listening) = oneshot::channel::<anyhow::Result<(String, Gateway)>>();
    let (stop, stopped) = oneshot::channel::<()>();
    std::thread::Builder::new()
        .name("server".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    let _ = ready.send(Err(e.into()));
                    return;
                }
            };
            runtime.block_on(async move {
                let app = match leptos_options() {
                    Ok(options) => Application::build_with_model(settings, options, model).await,
                    Err(e) => Err(e),
                };
                let app = match app {
                    Ok(app) => app,
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                let address = (
                    format!("http://{}", app.address()),
                    app.state().gateway.clone(),
                );
                let _ = ready.send(Ok(address));
                tokio::select! {
                    _ = app.run_until_stopped() => {}
                    _ = stopped => {}
                }
            });
        })?;
    let (base, gateway) = listening
        .await
        .map_err(|_| anyhow::anyhow!("the server's thread ended before it listened"))??;
    Ok(ServerApart {
        base,
        gateway,
        _stop: stop,
    })
}

/// One page load: when it began, and how many milliseconds it took.
pub(super) type Load = (Instant, u128);

/// A browser elsewhere loading one page again and again: its own account, thread and runtime.
pub(super) struct Prober {
    on: Arc<AtomicBool>,
    loads: std::thread::JoinHandle<Vec<Load>>,
}

impl Prober {
    /// Signs a candidate of its own up and in (not part of the crowd), then loads their home
    /// page every 100 ms until [`Prober::finish`]. Returns once the first load is done.
    pub(super) async fn start(base: String) -> anyhow::Result<Prober> {
        let on = Arc::new(AtomicBool::new(true));
        let (ready, started) = oneshot::channel::<anyhow::Result<()>>();
        let running = on.clone();
        let loads = std::thread::Builder::new()
            .name("prober".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready.send(Err(e.into()));
                        return Vec::new();
                    }
                };
                runtime.block_on(probe(base, running, ready))
            })?;
        started
            .await
            .map_err(|_| anyhow::anyhow!("the prober's thread ended before its first load"))??;
        Ok(Prober { on, loads })
    }

    /// Stops loading; returns each load (the first, before the crowd, left out).
    pub(super) async fn finish(self) -> Vec<Load> {
        self.on.store(false, Ordering::Relaxed);
        let loads = self.loads;
        tokio::task::spawn_blocking(move || loads.join().unwrap_or_default())
            .await
            .unwrap_or_default()
    }
}

async fn probe(
    base: String,
    on: Arc<AtomicBool>,
    ready: oneshot::Sender<anyhow::Result<()>>,
) -> Vec<Load> {
    let signed_in = match super::candidate::sign_up(&base, "probe").await {
        Ok(client) => match client.get(format!("{base}/home")).send().await {
            Ok(r) => r.bytes().await.map(|_| client).map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        },
        Err(e) => Err(e),
    };
    let client = match signed_in {
        Ok(client) => {
            let _ = ready.send(Ok(()));
            client
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    while on.load(Ordering::Relaxed) {
        let t = Instant::now();
        if let Ok(r) = client.get(format!("{base}/home")).send().await {
            let _ = r.bytes().await;
            out.push((t, t.elapsed().as_millis()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    out
}
