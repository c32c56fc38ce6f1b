//! Builds the configured chat model and the gateway in front of it.

use rehearse_db::Db;
use rehearse_llm::anthropic::Anthropic;
use rehearse_llm::budget::{BudgetStore, DefaultCeilings};
use rehearse_llm::gateway::{Gateway, Limits};
use rehearse_llm::local::{LocalModel, LocalOptions};
use rehearse_llm::openai::OpenAiCompatible;
use rehearse_llm::pricing::{usd_to_nanos, Pricing};
use rehearse_llm::ChatModel;
use rehearse_settings::{LlmProvider, Settings};
use std::sync::Arc;
use std::time::Duration;

pub async fn chat_model(settings: &Settings) -> anyhow::Result<Arc<dyn ChatModel>> {
    let llm = &settings.llm;
    let model: Arc<dyn ChatModel> = match llm.provider {
        LlmProvider::Local => {
            let path = settings.local_model_path();
            if !path.exists() {
                anyhow::bail!(
                    "the local model {} is missing: run `bash scripts/fetch-models.sh` (or set REHEARSE_LLM__MODEL_PATH)",
                    path.display()
                );
            }
            let options = LocalOptions {
                context_window: llm.context_window,
                threads: llm.threads,
                ..LocalOptions::default()
            };
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

pub fn gateway(settings: &Settings, db: &Db, model: Arc<dyn ChatModel>) -> Gateway {
    let llm = &settings.llm;
    let budget = Arc::new(BudgetStore::new(
        db,
        DefaultCeilings {
            interview: usd_to_nanos(settings.budget.per_interview_usd),
            user_day: usd_to_nanos(settings.budget.per_user_day_usd),
            global_day: usd_to_nanos(settings.budget.global_day_usd),
        },
    ));
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
}

/// The job-description knowledge base: the configured embedder (loaded on first use) and the
/// embedded or remote chunk store.
pub fn knowledge(settings: &Settings, db: &Db) -> rehearse_knowledge::KnowledgeBase {
    use rehearse_knowledge::{KnowledgeConfig, Location, Thresholds};
    use rehearse_settings::EmbeddingsProvider;
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
    let factory: rehearse_knowledge::kb::EmbedderFactory = match k.embeddings {
        EmbeddingsProvider::Local => {
            let dir = settings.minilm_dir();
            Arc::new(move || {
                rehearse_llm::embed::LocalMiniLm::load(&dir)
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
    rehearse_knowledge::KnowledgeBase::new(db, config, factory)
}
