//! Provider resilience, read as part of [`crate::LlmSettings`]: retries before the first token,
//! the circuit breaker per provider, and the fallback chain (`REHEARSE_LLM__FALLBACK`, a list
//! of `local` and names defined under `REHEARSE_LLM__PROVIDERS__<NAME>__*`).

use crate::{env_key, LlmProvider, LlmSettings};
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::BTreeSet;

/// The name that means the embedded model (with the main settings' `model_path`, `threads` and
/// `context_window`) in the fallback list.
pub const LOCAL_FALLBACK: &str = "local";

/// A hosted provider the fallback chain can use, by name
/// (`REHEARSE_LLM__PROVIDERS__BACKUP__PROVIDER=openai`, `..._MODEL`, `..._BASE_URL`, ...).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    /// `openai` or `anthropic` (the local model is `local` in the fallback list).
    pub provider: LlmProvider,
    #[serde(default)]
    pub model: Option<String>,
    /// As for the primary: `http://host:port/v1` for OpenAI-compatible servers (default
    /// `https://api.openai.com/v1`), `https://api.anthropic.com` for Anthropic.
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub api_key: Option<SecretString>,
    #[serde(default)]
    pub input_usd_per_mtok: f64,
    #[serde(default)]
    pub output_usd_per_mtok: f64,
    /// Declares the endpoint free, as `REHEARSE_LLM__FREE` does for the primary.
    #[serde(default)]
    pub free: bool,
}

pub(crate) fn retries() -> u32 {
    2
}
pub(crate) fn retry_backoff_ms() -> u64 {
    250
}
pub(crate) fn retry_after_max_secs() -> u64 {
    10
}
pub(crate) fn breaker_failures() -> u32 {
    5
}
pub(crate) fn breaker_open_secs() -> u64 {
    30
}

/// Checks the resilience settings; the key names the field at fault (a named provider's
/// message names its full variable).
pub(crate) fn validate(llm: &LlmSettings) -> Result<(), (&'static str, String)> {
    if llm.retries > 10 {
        return Err(("retries", "must be at most 10".into()));
    }
    if !(1..=60_000).contains(&llm.retry_backoff_ms) {
        return Err(("retry_backoff_ms", "must be between 1 and 60000".into()));
    }
    if llm.retry_after_max_secs > 600 {
        return Err(("retry_after_max_secs", "must be at most 600".into()));
    }
    if llm.breaker_failures > 0 && !(1..=3600).contains(&llm.breaker_open_secs) {
        return Err(("breaker_open_secs", "must be between 1 and 3600".into()));
    }
    let mut seen = BTreeSet::new();
    for name in &llm.fallback {
        if !seen.insert(name.as_str()) {
            return Err(("fallback", format!("lists '{name}' twice")));
        }
        if name == LOCAL_FALLBACK {
            if llm.provider == LlmProvider::Local {
                return Err((
                    "fallback",
                    "lists 'local', but the local model is already the primary".into(),
                ));
            }
        } else if !llm.providers.contains_key(name) {
            return Err((
                "fallback",
                format!(
                    "lists '{name}', which is neither 'local' nor defined under {}",
                    env_key(&format!("llm__providers__{name}__*"))
                ),
            ));
        }
    }
    for (name, provider) in &llm.providers {
        let key = |field: &str| env_key(&format!("llm__providers__{name}__{field}"));
        if name == LOCAL_FALLBACK {
            return Err((
                "providers",
                format!("'{LOCAL_FALLBACK}' is reserved for the embedded model: pick another name"),
            ));
        }
        if !seen.contains(name.as_str()) {
            return Err((
                "providers",
                format!(
                    "'{name}' is defined but not listed in {}",
                    env_key("llm__fallback")
                ),
            ));
        }
        provider
            .check()
            .map_err(|(field, message)| ("providers", format!("{} {message}", key(field))))?;
    }
    Ok(())
}

/// The checks a hosted endpoint's settings share, the primary's ([`LlmSettings`]) and a named
/// fallback's ([`ProviderSettings`]): `base_url`, when set, is a URL, and Anthropic has a key.
pub(crate) fn check_endpoint(
    provider: LlmProvider,
    base_url: Option<&str>,
    has_key: bool,
) -> Result<(), (&'static str, String)> {
    if let Some(url) = base_url {
        url::Url::parse(url).map_err(|e| ("base_url", format!("is not a URL: {e}")))?;
    }
    if provider == LlmProvider::Anthropic && !has_key {
        return Err(("api_key", "is required for anthropic".into()));
    }
    Ok(())
}

impl ProviderSettings {
    fn check(&self) -> Result<(), (&'static str, String)> {
        if self.provider == LlmProvider::Local {
            return Err((
                "provider",
                "must be openai or anthropic: the embedded model is 'local' in the fallback list"
                    .into(),
            ));
        }
        if self.model.as_deref().unwrap_or("").is_empty() {
            return Err(("model", "is required".into()));
        }
        check_endpoint(
            self.provider,
            self.base_url.as_deref(),
            self.api_key.is_some(),
        )?;
        let priced = |usd: f64| usd.is_finite() && usd > 0.0;
        let (input, output) = (
            priced(self.input_usd_per_mtok),
            priced(self.output_usd_per_mtok),
        );
        if self.input_usd_per_mtok < 0.0 || self.output_usd_per_mtok < 0.0 {
            return Err(("input_usd_per_mtok", "prices cannot be negative".into()));
        }
        match (self.free, input, output) {
            (true, false, false) | (false, true, true) => Ok(()),
            (true, _, _) => Err(("free", "is true but prices are set too".into())),
            (false, false, _) => Err((
                "input_usd_per_mtok",
                "must be above 0 (or declare the endpoint free): at price 0 the cost ceilings \
                 count nothing"
                    .into(),
            )),
            (false, true, false) => Err((
                "output_usd_per_mtok",
                "must be above 0 (or declare the endpoint free)".into(),
            )),
        }
    }
}

#[cfg(test)]
// figment's Jail closures must return figment::Error, which is large; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use crate::load::from_env;
    use figment::Jail;

    #[test]
    fn defaults_retry_twice_and_open_after_five_failures() {
        Jail::expect_with(|_| {
            let s = from_env().map_err(|e| e.to_string())?;
            assert_eq!((s.llm.retries, s.llm.breaker_failures), (2, 5));
            assert!(s.llm.fallback.is_empty() && s.llm.providers.is_empty());
            Ok(())
        });
    }

    #[test]
    fn a_fallback_chain_from_variables() {
        Jail::expect_with(|jail| {
            jail.set_env("REHEARSE_LLM__PROVIDER", "openai");
            jail.set_env("REHEARSE_LLM__MODEL", "gpt-main");
            jail.set_env("REHEARSE_LLM__FREE", "true");
            jail.set_env("REHEARSE_LLM__FALLBACK", "backup, local");
            jail.set_env("REHEARSE_LLM__PROVIDERS__BACKUP__PROVIDER", "anthropic");
            jail.set_env("REHEARSE_LLM__PROVIDERS__BACKUP__MODEL", "claude-small");
            jail.set_env(
                "REHEARSE_LLM__PROVIDERS__BACKUP__API_KEY",
                "sk-backup-secret",
            );
            jail.set_env("REHEARSE_LLM__PROVIDERS__BACKUP__INPUT_USD_PER_MTOK", "1");
            let err = from_env().expect_err("no output price").to_string();
            assert!(
                err.contains("REHEARSE_LLM__PROVIDERS__BACKUP__OUTPUT_USD_PER_MTOK"),
                "{err}"
            );
            jail.set_env("REHEARSE_LLM__PROVIDERS__BACKUP__OUTPUT_USD_PER_MTOK", "5");
            let s = from_env().map_err(|e| e.to_string())?;
            assert_eq!(
                s.llm.fallback,
                vec!["backup".to_owned(), "local".to_owned()]
            );
            assert_eq!(
                s.llm.providers["backup"].model.as_deref(),
                Some("claude-small")
            );
            assert!(!format!("{s:?}").contains("sk-backup-secret"));
            Ok(())
        });
    }

    #[test]
    fn a_fallback_that_names_nothing_is_refused() {
        Jail::expect_with(|jail| {
            jail.set_env("REHEARSE_LLM__FALLBACK", "backup");
            let err = from_env().expect_err("unknown").to_string();
            assert!(err.contains("REHEARSE_LLM__FALLBACK"), "{err}");
            jail.set_env("REHEARSE_LLM__FALLBACK", "local");
            let err = from_env().expect_err("local twice").to_string();
            assert!(err.contains("already the primary"), "{err}");
            Ok(())
        });
    }
}
