//! Builds the configured chat model and the gateway in front of it.

use rehearse_db::Db;
use rehearse_llm::anthropic::Anthropic;
use rehearse_llm::budget::{BudgetStore, DefaultCeilings};
use rehearse_llm::gateway::{EmbedderLoader, Embeddings, Gateway, Limits};
use rehearse_llm::lazy::{LazyModel, Loader};
use rehearse_llm::openai::OpenAiCompatible;
use rehearse_llm::pricing::{usd_to_nanos, Pricing};
use rehearse_llm::resilience::{BreakerConfig, ResilienceConfig, RetryPolicy, Route};
use rehearse_llm::ChatModel;
use rehearse_runtimes::{LocalModel, LocalOptions};
use rehearse_settings::{LlmProvider, ProviderSettings, Settings, LOCAL_FALLBACK};
use std::sync::Arc;
use std::time::Duration;

pub async fn chat_model(settings: &Settings) -> anyhow::Result<Arc<dyn ChatModel>> {
    let llm = &settings.llm;
    check_pricing(settings)?;
    check_fallbacks(settings)?;
    let model: Arc<dyn ChatModel> = match llm.provider {
        LlmProvider::Local => {
            let path = settings.local_model_path();
            if !path.exists() {
                anyhow::bail!(
                    "the local model {} is missing: run `bash scripts/fetch-models.sh` (or set REHEARSE_LLM__MODEL_PATH)",
                    path.display()
                );
            }
            let options = local_options(settings);
            let model =
                tokio::task::spawn_blocking(move || LocalModel::load(&path, options)).await??;
            Arc::new(model)
        }
        LlmProvider::Openai => {
            let base = llm
                .base_url
                .clone()
                .unwrap_or_else(|| "https://api.openai.com/v1".into());
            Arc::new(OpenAiCompatible::new(
                &base,
                llm.model.as_deref().unwrap_or_default(),
                llm.api_key.clone(),
            )?)
        }
        LlmProvider::Anthropic => {
            let base = llm
                .base_url
                .clone()
                .unwrap_or_else(|| "https://api.anthropic.com".into());
            let key = llm.api_key.clone().ok_or_else(|| {
                anyhow::anyhow!("REHEARSE_LLM__API_KEY is required for anthropic")
            })?;
            Arc::new(Anthropic::new(
                &base,
                llm.model.as_deref().unwrap_or_default(),
                key,
            )?)
        }
    };
    tracing::info!(
        provider = model.provider(),
        model = model.model(),
        "chat model ready"
    );
    Ok(model)
}

/// Refuses a hosted provider whose price would make every cost ceiling inert (see
/// [`rehearse_settings::LlmSettings::pricing_problem`]), and says at start when an endpoint is
/// declared free, since then no ceiling ever stops a call.
pub fn check_pricing(settings: &Settings) -> anyhow::Result<()> {
    let llm = &settings.llm;
    if let Some((field, message)) = llm.pricing_problem() {
        anyhow::bail!(
            "refusing to start: configuration key {}: {message}",
            rehearse_settings::env_key(&format!("llm__{field}"))
        );
    }
    let k = &settings.knowledge;
    if k.embeddings == rehearse_settings::EmbeddingsProvider::Openai
        && k.embeddings_usd_per_mtok == 0.0
    {
        tracing::warn!(
            "REHEARSE_KNOWLEDGE__EMBEDDINGS_USD_PER_MTOK is 0: embedding calls to the endpoint \
             are traced but cost 0, so no ceiling stops one"
        );
    }
    if llm.free && llm.provider != LlmProvider::Local {
        tracing::warn!(
            "REHEARSE_LLM__FREE=true: the {:?} endpoint is declared free, so calls cost 0 and \
             the cost ceilings never stop one",
            llm.provider
        );
    }
    Ok(())
}

/// The cost ledger with the configured ceilings.
pub fn budget(settings: &Settings, db: &Db) -> Arc<BudgetStore> {
    Arc::new(BudgetStore::new(
        db,
        DefaultCeilings {
            interview: usd_to_nanos(settings.budget.per_interview_usd),
            user_day: usd_to_nanos(settings.budget.per_user_day_usd),
            global_day: usd_to_nanos(settings.budget.global_day_usd),
        },
    ))
}

pub fn gateway(settings: &Settings, db: &Db, model: Arc<dyn ChatModel>) -> Gateway {
    let llm = &settings.llm;
    let budget = budget(settings, db);
    let pricing = Pricing {
        input_usd_per_mtok: llm.input_usd_per_mtok,
        output_usd_per_mtok: llm.output_usd_per_mtok,
    };
    let limits = Limits {
        max_reply_tokens: llm.max_reply_tokens,
        first_token_timeout: Duration::from_secs(llm.first_token_timeout_secs),
        call_timeout: Duration::from_secs(llm.call_timeout_secs),
    };
    Gateway::new(db, model, pricing, limits, budget)
        .with_resilience(resilience(settings), fallbacks(settings))
        .with_admission(rehearse_llm::admission::AdmissionConfig {
            slots: llm.slots(),
            line: llm.max_waiting,
            wait: Duration::from_millis(llm.admission_wait_ms),
        })
}

/// Retries before the first token and the circuit breaker of every provider
/// (`REHEARSE_LLM__RETRIES`, `REHEARSE_LLM__BREAKER_FAILURES`, ...).
pub fn resilience(settings: &Settings) -> ResilienceConfig {
    let llm = &settings.llm;
    ResilienceConfig {
        retry: RetryPolicy {
            retries: llm.retries,
            min_delay: Duration::from_millis(llm.retry_backoff_ms),
            max_delay: Duration::from_millis(llm.retry_backoff_ms.max(5_000)),
            max_retry_after: Duration::from_secs(llm.retry_after_max_secs),
        },
        breaker: BreakerConfig {
            failure_threshold: llm.breaker_failures,
            open_for: Duration::from_secs(llm.breaker_open_secs),
        },
    }
}

/// Refuses to start when the fallback chain names the embedded model and its file is missing
/// (the fallback itself loads on its first call, so nothing else would say so before it is
/// needed).
fn check_fallbacks(settings: &Settings) -> anyhow::Result<()> {
    let path = settings.local_model_path();
    if settings.llm.fallback.iter().any(|f| f == LOCAL_FALLBACK) && !path.exists() {
        anyhow::bail!(
            "REHEARSE_LLM__FALLBACK lists the local model, and {} is missing: run `bash scripts/fetch-models.sh` (or set REHEARSE_LLM__MODEL_PATH)",
            path.display()
        );
    }
    Ok(())
}

/// The fallback chain of `REHEARSE_LLM__FALLBACK`, in order: `local` is the embedded model,
/// loaded on its first call (a healthy primary never pays for it); other names are the hosted
/// providers under `REHEARSE_LLM__PROVIDERS__<NAME>__*`, checked when settings load.
pub fn fallbacks(settings: &Settings) -> Vec<Route> {
    let llm = &settings.llm;
    let mut routes = Vec::new();
    for name in &llm.fallback {
        let route = if name == LOCAL_FALLBACK {
            Ok(local_fallback(settings))
        } else {
            match llm.providers.get(name) {
                Some(provider) => hosted_fallback(provider, llm),
                None => Err(anyhow::anyhow!("no provider named {name}")),
            }
        };
        match route {
            Ok(route) => {
                tracing::info!(
                    fallback = %name,
                    provider = route.model.provider(),
                    model = route.model.model(),
                    "fallback model ready"
                );
                routes.push(route);
            }
            Err(e) => tracing::error!(fallback = %name, error = %e, "fallback model left out"),
        }
    }
    routes
}

/// The embedded model's settings, the same whether it is the primary or a fallback.
fn local_options(settings: &Settings) -> LocalOptions {
    LocalOptions {
        context_window: settings.llm.context_window,
        threads: settings.llm.threads,
        niceness: settings.llm.niceness,
        ..LocalOptions::default()
    }
}

fn local_fallback(settings: &Settings) -> Route {
    let llm = &settings.llm;
    let path = settings.local_model_path();
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "local".into());
    let options = local_options(settings);
    let load: Loader = Arc::new(move || {
        LocalModel::load(&path, options.clone()).map(|m| Arc::new(m) as Arc<dyn ChatModel>)
    });
    Route {
        model: Arc::new(LazyModel::new("local", &name, load)),
        pricing: Pricing::FREE,
        admission: Some(fallback_admission(llm, LOCAL_FALLBACK_SLOTS)),
    }
}

/// The embedded model as a fallback runs one reply at a time, as it does as the primary: it
/// has the two cores to itself.
const LOCAL_FALLBACK_SLOTS: usize = 1;
/// A hosted fallback's replies at once, as for a hosted primary.
const HOSTED_FALLBACK_SLOTS: usize = 4;

/// A fallback's own slots, with the primary's line length and wait
/// (`REHEARSE_LLM__MAX_WAITING`, `__ADMISSION_WAIT_MS`).
fn fallback_admission(
    llm: &rehearse_settings::LlmSettings,
    slots: usize,
) -> rehearse_llm::admission::AdmissionConfig {
    rehearse_llm::admission::AdmissionConfig {
        slots,
        line: llm.max_waiting,
        wait: Duration::from_millis(llm.admission_wait_ms),
    }
}

fn hosted_fallback(
    p: &ProviderSettings,
    llm: &rehearse_settings::LlmSettings,
) -> anyhow::Result<Route> {
    let model_id = p.model.as_deref().unwrap_or_default();
    let model: Arc<dyn ChatModel> = match p.provider {
        LlmProvider::Openai => Arc::new(OpenAiCompatible::new(
            p.base_url.as_deref().unwrap_or("https://api.openai.com/v1"),
            model_id,
            p.api_key.clone(),
        )?),
        LlmProvider::Anthropic => {
            let key = p
                .api_key
                .clone()
                .ok_or_else(|| anyhow::anyhow!("an api_key is required for anthropic"))?;
            Arc::new(Anthropic::new(
                p.base_url.as_deref().unwrap_or("https://api.anthropic.com"),
                model_id,
                key,
            )?)
        }
        LlmProvider::Local => anyhow::bail!("the embedded model is `local` in the fallback list"),
    };
    Ok(Route {
        model,
        pricing: Pricing {
            input_usd_per_mtok: p.input_usd_per_mtok,
            output_usd_per_mtok: p.output_usd_per_mtok,
        },
        admission: Some(fallback_admission(llm, HOSTED_FALLBACK_SLOTS)),
    })
}

/// The job-description knowledge base: the embedding model (through the gateway's ceilings and
/// traces, see [`embedder`]) and the embedded or remote chunk store.
pub fn knowledge(
    settings: &Settings,
    db: &Db,
    embeddings: Embeddings,
) -> rehearse_knowledge::KnowledgeBase {
    use rehearse_knowledge::{KnowledgeConfig, Location, Thresholds};
    let k = &settings.knowledge;
    let location = match &k.url {
        Some(url) => Location::Remote {
            url: url.clone(),
            username: k.username.clone().unwrap_or_else(|| "root".into()),
            password: k
                .password
                .clone()
                .unwrap_or_else(|| secrecy::SecretString::from(String::new())),
        },
        None => Location::Embedded(settings.data_dir.join("knowledge")),
    };
    let config = KnowledgeConfig {
        location,
        max_upload_bytes: k.max_upload_bytes,
        thresholds: Thresholds {
            min_rerank: k.min_relevance,
            min_cosine: k.min_cosine,
            ..Thresholds::default()
        },
        ..KnowledgeConfig::embedded(settings.data_dir.join("knowledge"))
    };
    rehearse_knowledge::KnowledgeBase::new(db, config, embeddings)
}

/// The configured embedding model, loaded on its first call, and its price per embedded token:
/// for [`Gateway::embeddings`] (or, in a process without a gateway, `Embeddings::new`).
pub fn embedder(settings: &Settings) -> (Pricing, EmbedderLoader) {
    use rehearse_settings::EmbeddingsProvider;
    let k = &settings.knowledge;
    let pricing = Pricing {
        input_usd_per_mtok: k.embeddings_usd_per_mtok,
        output_usd_per_mtok: 0.0,
    };
    let loader: EmbedderLoader = match k.embeddings {
        EmbeddingsProvider::Local => {
            use rehearse_runtimes::LocalMiniLm;
            use rehearse_settings::MiniLmRuntime;
            let dir = settings.minilm_dir();
            let library = settings.onnxruntime_library();
            let runtime = k.minilm_runtime;
            Arc::new(move || {
                match runtime {
                    MiniLmRuntime::Onnx => LocalMiniLm::load_onnx(&dir, &library),
                    MiniLmRuntime::Candle => LocalMiniLm::load(&dir),
                }
                .map(|m| Arc::new(m) as Arc<dyn rehearse_llm::embed::Embedder>)
                .map_err(|e| format!("{e} (run `bash scripts/fetch-models.sh`)"))
            })
        }
        EmbeddingsProvider::Openai => {
            let base = k.embeddings_base_url.clone().unwrap_or_default();
            let model = k.embeddings_model.clone().unwrap_or_default();
            let key = k.embeddings_api_key.clone();
            let dims = k.embeddings_dimensions.unwrap_or(0);
            Arc::new(move || {
                rehearse_llm::embed::OpenAiEmbeddings::new(&base, &model, key.clone(), dims)
                    .map(|m| Arc::new(m) as Arc<dyn rehearse_llm::embed::Embedder>)
                    .map_err(|e| e.to_string())
            })
        }
    };
    (pricing, loader)
}

#[cfg(test)]
mod tests {
    use super::check_pricing;
    use rehearse_settings::LlmProvider;

    fn settings() -> rehearse_settings::Settings {
        rehearse_settings::load_from(
            None,
            figment::providers::Env::prefixed("REHEARSE_TEST_UNUSED_"),
        )
        .expect("default settings")
    }

    /// Settings changed in code after loading (as tests and subcommands do) are checked again
    /// where the model is built.
    #[test]
    fn an_unpriced_hosted_model_is_refused_where_it_is_built() {
        let mut s = settings();
        assert!(check_pricing(&s).is_ok(), "the local model needs no price");
        s.llm.provider = LlmProvider::Anthropic;
        s.llm.model = Some("claude".into());
        let err = check_pricing(&s).expect_err("unpriced").to_string();
        assert!(err.contains("REHEARSE_LLM__INPUT_USD_PER_MTOK"), "{err}");
        assert!(err.contains("refusing to start"), "{err}");
        s.llm.input_usd_per_mtok = 3.0;
        s.llm.output_usd_per_mtok = 15.0;
        assert!(check_pricing(&s).is_ok());
        s.llm.provider = LlmProvider::Openai;
        s.llm.input_usd_per_mtok = 0.0;
        s.llm.output_usd_per_mtok = 0.0;
        s.llm.free = true;
        assert!(check_pricing(&s).is_ok(), "declared free");
    }
}
