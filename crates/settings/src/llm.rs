use secrecy::SecretString;
use serde::Deserialize;
use std::path::PathBuf;

/// Which implementation serves chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LlmProvider {
    /// The embedded GGUF model (default): no key, no network.
    Local,
    /// Any OpenAI-compatible chat-completions server.
    Openai,
    /// Anthropic's Messages API.
    Anthropic,
}

/// The chat model, its price and its limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSettings {
    #[serde(default = "defaults::provider")]
    pub provider: LlmProvider,
    /// Model id sent to a hosted provider.
    #[serde(default)]
    pub model: Option<String>,
    /// API root: `http://host:port/v1` for OpenAI-compatible servers, `https://api.anthropic.com`
    /// for Anthropic.
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub api_key: Option<SecretString>,
    /// The GGUF file of the local model; defaults to the SmolLM2 file under the data directory.
    #[serde(default)]
    pub model_path: Option<PathBuf>,
    #[serde(default = "defaults::context_window")]
    pub context_window: u32,
    #[serde(default = "defaults::threads")]
    pub threads: i32,
    #[serde(default)]
    pub input_usd_per_mtok: f64,
    #[serde(default)]
    pub output_usd_per_mtok: f64,
    #[serde(default = "defaults::max_reply_tokens")]
    pub max_reply_tokens: u32,
    /// Conversation (rolling summary plus recent turns) a call may carry, in tokens; also capped
    /// by the context window. Small on purpose: a small local model slows with every token.
    #[serde(default = "defaults::history_tokens")]
    pub history_tokens: u64,
    #[serde(default = "defaults::first_token_timeout_secs")]
    pub first_token_timeout_secs: u64,
    #[serde(default = "defaults::call_timeout_secs")]
    pub call_timeout_secs: u64,
}

impl Default for LlmSettings {
    fn default() -> Self {
        LlmSettings {
            provider: defaults::provider(),
            model: None,
            base_url: None,
            api_key: None,
            model_path: None,
            context_window: defaults::context_window(),
            threads: defaults::threads(),
            input_usd_per_mtok: 0.0,
            output_usd_per_mtok: 0.0,
            max_reply_tokens: defaults::max_reply_tokens(),
            history_tokens: defaults::history_tokens(),
            first_token_timeout_secs: defaults::first_token_timeout_secs(),
            call_timeout_secs: defaults::call_timeout_secs(),
        }
    }
}

/// Cost ceilings in US dollars (admins can change them at run time).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetSettings {
    #[serde(default = "defaults::per_interview_usd")]
    pub per_interview_usd: f64,
    #[serde(default = "defaults::per_user_day_usd")]
    pub per_user_day_usd: f64,
    #[serde(default = "defaults::global_day_usd")]
    pub global_day_usd: f64,
}

impl Default for BudgetSettings {
    fn default() -> Self {
        BudgetSettings {
            per_interview_usd: defaults::per_interview_usd(),
            per_user_day_usd: defaults::per_user_day_usd(),
            global_day_usd: defaults::global_day_usd(),
        }
    }
}

mod defaults {
    use super::LlmProvider;
    pub fn provider() -> LlmProvider {
        LlmProvider::Local
    }
    pub fn context_window() -> u32 {
        4096
    }
    pub fn threads() -> i32 {
        2
    }
    pub fn max_reply_tokens() -> u32 {
        256
    }
    pub fn history_tokens() -> u64 {
        512
    }
    pub fn first_token_timeout_secs() -> u64 {
        30
    }
    pub fn call_timeout_secs() -> u64 {
        120
    }
    pub fn per_interview_usd() -> f64 {
        0.5
    }
    pub fn per_user_day_usd() -> f64 {
        2.0
    }
    pub fn global_day_usd() -> f64 {
        50.0
    }
}

impl LlmSettings {
    pub(crate) fn validate(&self) -> Result<(), (&'static str, String)> {
        match self.provider {
            LlmProvider::Local => {}
            LlmProvider::Openai | LlmProvider::Anthropic => {
                if self.model.as_deref().unwrap_or("").is_empty() {
                    return Err(("model", "is required for a hosted provider".into()));
                }
                if let Some(url) = &self.base_url {
                    url::Url::parse(url).map_err(|e| ("base_url", format!("is not a URL: {e}")))?;
                }
            }
        }
        if self.provider == LlmProvider::Anthropic && self.api_key.is_none() {
            return Err(("api_key", "is required for anthropic".into()));
        }
        if !(512..=1_048_576).contains(&self.context_window) {
            return Err(("context_window", "must be between 512 and 1048576".into()));
        }
        if self.max_reply_tokens == 0 || self.max_reply_tokens >= self.context_window {
            return Err((
                "max_reply_tokens",
                "must be at least 1 and below the context window".into(),
            ));
        }
        if self.input_usd_per_mtok < 0.0 || self.output_usd_per_mtok < 0.0 {
            return Err(("input_usd_per_mtok", "prices cannot be negative".into()));
        }
        if self.first_token_timeout_secs == 0 || self.call_timeout_secs == 0 {
            return Err((
                "call_timeout_secs",
                "timeouts must be at least 1 second".into(),
            ));
        }
        if !(1..=64).contains(&self.threads) {
            return Err(("threads", "must be between 1 and 64".into()));
        }
        Ok(())
    }
}

impl BudgetSettings {
    pub(crate) fn validate(&self) -> Result<(), (&'static str, String)> {
        for (key, value) in [
            ("per_interview_usd", self.per_interview_usd),
            ("per_user_day_usd", self.per_user_day_usd),
            ("global_day_usd", self.global_day_usd),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err((key, "must be a non-negative amount".into()));
            }
        }
        Ok(())
    }
}
