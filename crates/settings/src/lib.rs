//! Configuration for the whole platform.
//!
//! Settings are read once at start from, in increasing priority: built-in defaults, an optional
//! TOML file (`REHEARSE_CONFIG`, else `rehearse.toml` if it exists), and `REHEARSE_*`
//! environment variables (nested keys use `__`, for example
//! `REHEARSE_OAUTH__GOOGLE__CLIENT_ID`). [`Settings::validate`] rejects bad values with the name
//! of the key at fault, so a typo stops the process at start instead of at the first request.
//! Secrets are [`SecretString`]s: they print as `[REDACTED]` in logs and `Debug` output.

mod defaults;
mod knowledge;
mod limits;
mod list;
mod llm;
mod load;
mod mail;
mod oauth;
mod quotas;
mod resilience;
mod retention;
mod review;
mod sessions;
mod signup;

pub use knowledge::{AnswerMode, EmbeddingsProvider, KnowledgeSettings, MiniLmRuntime};
pub use limits::LimitsSettings;
pub use llm::{BudgetSettings, LlmProvider, LlmSettings};
pub use load::{load, load_from, SettingsError};
pub use mail::{MailSettings, SmtpTls};
pub use oauth::{https_or_loopback, is_loopback, OAuthKind, OAuthProviderSettings};
pub use quotas::QuotaSettings;
pub use resilience::{ProviderSettings, LOCAL_FALLBACK};
pub use retention::RetentionSettings;
pub use review::{ReviewSettings, SensitiveHold};
pub use sessions::SessionSettings;
pub use signup::SignUpSettings;

use secrecy::SecretString;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where the SQLite file, models and other local state live.
    #[serde(default = "defaults::data_dir")]
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; defaults to `<data_dir>/rehearse.db`. Secret because a
    /// PostgreSQL URL may carry a password.
    #[serde(default)]
    pub database_url: Option<SecretString>,
    /// The address to listen on; when unset the Leptos site address (`LEPTOS_SITE_ADDR`) is used.
    #[serde(default)]
    pub listen: Option<String>,
    /// The URL people reach the site at. Decides OAuth redirect URIs and whether cookies are
    /// marked `Secure` (they are when it is `https`). Required, and `https` except on loopback,
    /// when OAuth providers are configured.
    #[serde(default)]
    pub public_url: Option<url::Url>,
    /// Emails that become admins when their account is created by a first sign-in through a
    /// configured provider that verified the address. Never at password sign-up, whose address
    /// nothing verifies: local accounts become admin through `server promote`. A comma-separated
    /// string or a list.
    #[serde(default, deserialize_with = "list::comma_separated")]
    pub bootstrap_admins: Vec<String>,
    /// Sign-in attempts allowed per account in one throttle window.
    #[serde(default = "defaults::attempts_per_account")]
    pub login_attempts_per_account: u32,
    /// Sign-in attempts allowed per client IP in one throttle window.
    #[serde(default = "defaults::attempts_per_ip")]
    pub login_attempts_per_ip: u32,
    /// Length of the sign-in throttle window.
    #[serde(default = "defaults::login_window_secs")]
    pub login_window_secs: u64,
    /// Sessions expire after this long without activity.
    #[serde(default = "defaults::session_idle_hours")]
    pub session_idle_hours: u32,
    /// Absolute session lifetimes from sign-in (`REHEARSE_SESSIONS__ABSOLUTE_SECS`, ...).
    #[serde(default)]
    pub sessions: SessionSettings,
    /// Sign-up throttle and hashing bound (`REHEARSE_SIGNUP__ATTEMPTS_PER_IP`, ...).
    #[serde(default)]
    pub signup: SignUpSettings,
    /// Largest request body accepted, in bytes.
    #[serde(default = "defaults::max_body_bytes")]
    pub max_body_bytes: usize,
    /// A page render that has not finished after this many seconds answers 503 instead of
    /// holding the connection (server functions and the live event stream are not limited).
    #[serde(default = "defaults::render_timeout_secs")]
    pub render_timeout_secs: u64,
    /// On SIGTERM, requests in flight get this long to finish; then open streams are cut.
    #[serde(default = "defaults::shutdown_grace_secs")]
    pub shutdown_grace_secs: u64,
    /// How many reverse proxies of your own stand in front of the server. The client IP is the
    /// `X-Forwarded-For` entry that many hops from the right (each proxy appends the address it
    /// saw); entries further left are whatever the client sent. 0 (the default) ignores the
    /// header and uses the TCP peer.
    #[serde(default)]
    pub trusted_proxy_hops: u32,
    /// The former switch, kept so existing configurations still start: `true` means one
    /// trusted proxy (`trusted_proxy_hops = 1`) unless `trusted_proxy_hops` says more.
    #[serde(default)]
    pub trust_forwarded_for: bool,
    /// OAuth2 / OpenID Connect providers by id (the id appears in URLs: `/auth/oauth/<id>/start`).
    #[serde(default)]
    pub oauth: BTreeMap<String, OAuthProviderSettings>,
    /// The chat model (`REHEARSE_LLM__PROVIDER`, `REHEARSE_LLM__MODEL`, ...).
    #[serde(default)]
    pub llm: LlmSettings,
    /// Cost ceilings (`REHEARSE_BUDGET__PER_INTERVIEW_USD`, ...).
    #[serde(default)]
    pub budget: BudgetSettings,
    /// The job-description knowledge base (`REHEARSE_KNOWLEDGE__URL`, ...).
    #[serde(default)]
    pub knowledge: KnowledgeSettings,
    /// Human review of held answers (`REHEARSE_REVIEW__SENSITIVE`, ...).
    #[serde(default)]
    pub review: ReviewSettings,
    /// Outgoing mail: SMTP server, sender, link lifetimes (`REHEARSE_MAIL__HOST`, ...).
    #[serde(default)]
    pub mail: MailSettings,
    /// Interviews per user per day and messages per interview
    /// (`REHEARSE_QUOTAS__INTERVIEWS_PER_DAY`, ...).
    #[serde(default)]
    pub quotas: QuotaSettings,
    /// How long traces keep candidates' words (`REHEARSE_RETENTION__TRACE_DAYS`).
    #[serde(default)]
    pub retention: RetentionSettings,
    /// Send and start rate limits, live-stream caps (`REHEARSE_LIMITS__SEND_PER_MINUTE`, ...).
    #[serde(default)]
    pub limits: LimitsSettings,
}

/// More trusted proxies than this is a misconfiguration, not a deployment.
const MAX_PROXY_HOPS: u32 = 8;

/// Which relational backend a database URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl Settings {
    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        use secrecy::ExposeSecret;
        match &self.database_url {
            Some(url) => url.expose_secret().to_owned(),
            None => format!("sqlite://{}/rehearse.db", self.data_dir.display()),
        }
    }

    pub fn database_kind(&self) -> Option<DatabaseKind> {
        database_kind(&self.database_url())
    }

    /// Whether cookies must carry the `Secure` flag.
    pub fn https(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    /// The number of trusted proxy hops in effect (see [`Settings::trusted_proxy_hops`]).
    pub fn proxy_hops(&self) -> u32 {
        if self.trust_forwarded_for {
            self.trusted_proxy_hops.max(1)
        } else {
            self.trusted_proxy_hops
        }
    }

    pub fn is_bootstrap_admin(&self, email: &str) -> bool {
        self.bootstrap_admins
            .iter()
            .any(|a| a.trim().eq_ignore_ascii_case(email.trim()))
    }

    /// Checks what serde cannot: value ranges, URL schemes, provider completeness. The error
    /// names the environment variable to fix.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let bad = |key: &str, message: &str| {
            Err(SettingsError::Invalid {
                key: env_key(key),
                message: message.to_owned(),
            })
        };
        if self.database_kind().is_none() {
            return bad("database_url", "must start with sqlite:// or postgres://");
        }
        if self.knowledge.answers == knowledge::AnswerMode::Generative && !self.llm.capable {
            return bad(
                "knowledge__answers",
                "generative answers need a capable model: set REHEARSE_LLM__CAPABLE=true for a hosted model",
            );
        }
        if let Some(url) = &self.public_url {
            if !matches!(url.scheme(), "http" | "https") {
                return bad("public_url", "must be an http:// or https:// URL");
            }
        }
        for email in &self.bootstrap_admins {
            if !email.contains('@') {
                return bad(
                    "bootstrap_admins",
                    &format!("'{email}' is not an email address"),
                );
            }
        }
        if self.login_attempts_per_account == 0 || self.login_attempts_per_ip == 0 {
            return bad(
                "login_attempts_per_account",
                "sign-in attempt limits must be at least 1",
            );
        }
        if self.login_window_secs == 0 {
            return bad("login_window_secs", "must be at least 1 second");
        }
        if self.session_idle_hours == 0 {
            return bad("session_idle_hours", "must be at least 1 hour");
        }
        if self.render_timeout_secs == 0 {
            return bad("render_timeout_secs", "must be at least 1 second");
        }
        if self.max_body_bytes < 1024 {
            return bad("max_body_bytes", "must be at least 1024 bytes");
        }
        if self.trusted_proxy_hops > MAX_PROXY_HOPS {
            return bad(
                "trusted_proxy_hops",
                &format!("at most {MAX_PROXY_HOPS}: count only the proxies you run"),
            );
        }
        for (id, provider) in &self.oauth {
            let valid_id = !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid_id {
                return bad(
                    &format!("oauth__{id}"),
                    "provider ids use a-z, 0-9 and '-' only",
                );
            }
            provider
                .validate()
                .map_err(|(field, message)| SettingsError::Invalid {
                    key: env_key(&format!("oauth__{id}__{field}")),
                    message,
                })?;
        }
        if !self.oauth.is_empty() {
            // Redirect URIs are built from the public URL, never from a request's Host header,
            // and the authorization code travels to them: over TLS, except on this machine.
            match &self.public_url {
                None => {
                    return bad(
                        "public_url",
                        "is required when sign-in providers (REHEARSE_OAUTH__*) are configured: \
                         OAuth redirect URIs are built from it, never from a request's Host header",
                    )
                }
                Some(url) if !https_or_loopback(url) => {
                    return bad(
                        "public_url",
                        "must be an https:// URL when sign-in providers are configured \
                         (http:// only on loopback: localhost, 127.0.0.1, ::1)",
                    )
                }
                Some(_) => {}
            }
        }
        self.llm
            .validate()
            .map_err(|(field, message)| SettingsError::Invalid {
                key: env_key(&format!("llm__{field}")),
                message,
            })?;
        self.budget
            .validate()
            .map_err(|(field, message)| SettingsError::Invalid {
                key: env_key(&format!("budget__{field}")),
                message,
            })?;
        self.knowledge
            .validate()
            .map_err(|(field, message)| SettingsError::Invalid {
                key: env_key(&format!("knowledge__{field}")),
                message,
            })?;
        self.review
            .validate()
            .map_err(|(field, message)| SettingsError::Invalid {
                key: env_key(&format!("review__{field}")),
                message,
            })?;
        self.mail
            .validate()
            .map_err(|(field, message)| SettingsError::Invalid {
                key: env_key(&format!("mail__{field}")),
                message,
            })?;
        self.quotas
            .validate()
            .map_err(|(field, message)| SettingsError::Invalid {
                key: env_key(&format!("quotas__{field}")),
                message,
            })?;
        self.retention
            .validate()
            .map_err(|(field, message)| SettingsError::Invalid {
                key: env_key(&format!("retention__{field}")),
                message,
            })?;
        self.sessions
            .validate()
            .map_err(|(field, message)| SettingsError::Invalid {
                key: env_key(&format!("sessions__{field}")),
                message,
            })?;
        self.signup
            .validate()
            .map_err(|(field, message)| SettingsError::Invalid {
                key: env_key(&format!("signup__{field}")),
                message,
            })?;
        self.limits
            .validate()
            .map_err(|(field, message)| SettingsError::Invalid {
                key: env_key(&format!("limits__{field}")),
                message,
            })?;
        Ok(())
    }

    /// The local MiniLM embedding model's directory.
    pub fn minilm_dir(&self) -> PathBuf {
        self.knowledge
            .minilm_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("models/minilm"))
    }

    /// ONNX Runtime's shared library, for the `onnx` MiniLM runtime: by default in
    /// `onnxruntime/` beside the MiniLM directory, where `scripts/fetch-models.sh` puts both (so
    /// a process pointed at the models by `minilm_dir` alone, as the tests are, finds it too).
    pub fn onnxruntime_library(&self) -> PathBuf {
        self.knowledge
            .onnxruntime_library
            .clone()
            .unwrap_or_else(|| {
                let minilm = self.minilm_dir();
                minilm
                    .parent()
                    .unwrap_or(&minilm)
                    .join("onnxruntime/libonnxruntime.so")
            })
    }

    /// The local model's GGUF file.
    pub fn local_model_path(&self) -> PathBuf {
        self.llm.model_path.clone().unwrap_or_else(|| {
            self.data_dir
                .join("models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
        })
    }
}

/// `sqlite:`/`postgres:` detection shared by settings validation and the database layer.
pub fn database_kind(url: &str) -> Option<DatabaseKind> {
    if url.starts_with("sqlite:") {
        Some(DatabaseKind::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(DatabaseKind::Postgres)
    } else {
        None
    }
}

/// The environment variable that sets `key`.
pub fn env_key(key: &str) -> String {
    format!("REHEARSE_{}", key.to_ascii_uppercase())
}
