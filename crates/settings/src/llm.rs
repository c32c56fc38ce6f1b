use crate::resilience::ProviderSettings;
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::BTreeMap;
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
    /// How far below the web server the embedded model's threads run (Linux `nice`, 0-19): on
    /// a small machine its decoding takes every core it is given, and pages and turn writes
    /// must not wait behind it. 0 runs it at the server's own priority.
    #[serde(default = "defaults::niceness")]
    pub niceness: i32,
    #[serde(default)]
    pub input_usd_per_mtok: f64,
    #[serde(default)]
    pub output_usd_per_mtok: f64,
    /// Declares a hosted endpoint free (a local OpenAI-compatible server such as llama.cpp,
    /// Ollama or vLLM on your own machine). Without it a hosted provider must have both prices,
    /// since at price 0 every cost ceiling counts nothing.
    #[serde(default)]
    pub free: bool,
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
    /// Attempts after the first, on the same provider, for a call that failed before its first
    /// token with a transient error (unreachable, 429, 5xx). Nothing is retried once a token
    /// has arrived.
    #[serde(default = "crate::resilience::retries")]
    pub retries: u32,
    /// The first retry's backoff; it doubles each time, with jitter, up to 5 s.
    #[serde(default = "crate::resilience::retry_backoff_ms")]
    pub retry_backoff_ms: u64,
    /// The longest `Retry-After` waited for; a provider asking for longer is not retried in
    /// that call (the next provider of the chain, if any, answers).
    #[serde(default = "crate::resilience::retry_after_max_secs")]
    pub retry_after_max_secs: u64,
    /// Consecutive failures that open a provider's circuit breaker (0: never).
    #[serde(default = "crate::resilience::breaker_failures")]
    pub breaker_failures: u32,
    /// How long an open breaker fails calls fast before one trial call goes through.
    #[serde(default = "crate::resilience::breaker_open_secs")]
    pub breaker_open_secs: u64,
    /// Providers tried in order when the primary fails before its first token or its breaker
    /// is open: `local` (the embedded model) or names defined under `providers`. A
    /// comma-separated string or a list.
    #[serde(default, deserialize_with = "crate::list::comma_separated")]
    pub fallback: Vec<String>,
    /// Hosted providers for the fallback chain, by name.
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderSettings>,
    /// Declares the configured model capable of more than phrasing (a hosted model such as
    /// gpt-4o-mini or Claude; never the embedded local model, and never inferred from the
    /// provider kind). It lets `REHEARSE_KNOWLEDGE__ANSWERS=generative` have the model write
    /// answers about the role, always behind the grounding check and human review.
    #[serde(default)]
    pub capable: bool,
    /// Model calls running at once; unset: 1 for the local model (it has two cores to itself),
    /// 4 for a hosted one.
    #[serde(default)]
    pub max_concurrent: Option<usize>,
    /// Calls that may wait for a slot; one more is refused at once (a turn posts its built
    /// question, a new interview gets 503 with `Retry-After`).
    #[serde(default = "defaults::max_waiting")]
    pub max_waiting: usize,
    /// How long a call waits for a slot before it is refused, in milliseconds.
    #[serde(default = "defaults::admission_wait_ms")]
    pub admission_wait_ms: u64,
    /// Model calls one agent turn may make (the generative answerer searches, then answers).
    #[serde(default = "defaults::agent_max_iterations")]
    pub agent_max_iterations: u32,
    /// Wall-clock limit of one agent turn, tool calls included, in seconds.
    #[serde(default = "defaults::agent_deadline_secs")]
    pub agent_deadline_secs: u64,
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
            niceness: defaults::niceness(),
            input_usd_per_mtok: 0.0,
            output_usd_per_mtok: 0.0,
            free: false,
            max_reply_tokens: defaults::max_reply_tokens(),
            history_tokens: defaults::history_tokens(),
            first_token_timeout_secs: defaults::first_token_timeout_secs(),
            call_timeout_secs: defaults::call_timeout_secs(),
            retries: crate::resilience::retries(),
            retry_backoff_ms: crate::resilience::retry_backoff_ms(),
            retry_after_max_secs: crate::resilience::retry_after_max_secs(),
            breaker_failures: crate::resilience::breaker_failures(),
            breaker_open_secs: crate::resilience::breaker_open_secs(),
            fallback: Vec::new(),
            providers: BTreeMap::new(),
            capable: false,
            max_concurrent: None,
            max_waiting: defaults::max_waiting(),
            admission_wait_ms: defaults::admission_wait_ms(),
            agent_max_iterations: defaults::agent_max_iterations(),
            agent_deadline_secs: defaults::agent_deadline_secs(),
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
    pub fn niceness() -> i32 {
        10
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
    pub fn max_waiting() -> usize {
        8
    }
    pub fn admission_wait_ms() -> u64 {
        5_000
    }
    pub fn agent_max_iterations() -> u32 {
        4
    }
    pub fn agent_deadline_secs() -> u64 {
        45
    }
}

impl LlmSettings {
    /// Model calls running at once: as set, else 1 for the local model and 4 for a hosted one.
    pub fn slots(&self) -> usize {
        self.max_concurrent.unwrap_or(match self.provider {
            LlmProvider::Local => 1,
            LlmProvider::Openai | LlmProvider::Anthropic => 4,
        })
    }

    pub(crate) fn validate(&self) -> Result<(), (&'static str, String)> {
        match self.provider {
            LlmProvider::Local => {}
            LlmProvider::Openai | LlmProvider::Anthropic => {
                if self.model.as_deref().unwrap_or("").is_empty() {
                    return Err(("model", "is required for a hosted provider".into()));
                }
                crate::resilience::check_endpoint(
                    self.provider,
                    self.base_url.as_deref(),
                    self.api_key.is_some(),
                )?;
            }
        }
        if self.capable && self.provider == LlmProvider::Local {
            return Err((
                "capable",
                "cannot be set for the embedded local model, which only phrases".into(),
            ));
        }
        if self.max_concurrent == Some(0) {
            return Err(("max_concurrent", "must be at least 1".into()));
        }
        if self.admission_wait_ms > 600_000 {
            return Err((
                "admission_wait_ms",
                "must be at most 600000 (10 minutes)".into(),
            ));
        }
        if !(1..=10).contains(&self.agent_max_iterations) {
            return Err(("agent_max_iterations", "must be between 1 and 10".into()));
        }
        if !(1..=600).contains(&self.agent_deadline_secs) {
            return Err(("agent_deadline_secs", "must be between 1 and 600".into()));
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
        if let Some(problem) = self.pricing_problem() {
            return Err(problem);
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
        if !(0..=19).contains(&self.niceness) {
            return Err(("niceness", "must be between 0 and 19".into()));
        }
        crate::resilience::validate(self)?;
        Ok(())
    }
}

impl LlmSettings {
    /// Why the configured prices cannot be used, naming the field at fault: a hosted provider
    /// (`openai`, `anthropic`) with a price of 0 makes every cost ceiling inert (a call costs
    /// nothing, so no ceiling is ever reached), so it must be priced or declared free. `None`
    /// for the local model, a priced hosted provider, or one declared free.
    ///
    /// Checked when settings load, and again where the chat model is built (settings adjusted
    /// in code after loading pass there too).
    pub fn pricing_problem(&self) -> Option<(&'static str, String)> {
        if self.provider == LlmProvider::Local {
            return None;
        }
        let priced = |usd: f64| usd.is_finite() && usd > 0.0;
        let input = priced(self.input_usd_per_mtok);
        let output = priced(self.output_usd_per_mtok);
        if self.free {
            return (input || output).then(|| {
                (
                    "free",
                    "is true but prices are set too: remove REHEARSE_LLM__FREE to count the \
                     prices, or the prices if the endpoint really costs nothing"
                        .to_owned(),
                )
            });
        }
        let field = match (input, output) {
            (true, true) => return None,
            (false, _) => "input_usd_per_mtok",
            (true, false) => "output_usd_per_mtok",
        };
        Some((
            field,
            "must be above 0 for a hosted provider (openai, anthropic): at price 0 every cost \
             ceiling counts nothing and never stops a call. Set REHEARSE_LLM__INPUT_USD_PER_MTOK \
             and REHEARSE_LLM__OUTPUT_USD_PER_MTOK to the model's prices in USD per million \
             tokens, or declare the endpoint free with REHEARSE_LLM__FREE=true (a model server \
             you run yourself)"
                .to_owned(),
        ))
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

#[cfg(test)]
mod tests;
