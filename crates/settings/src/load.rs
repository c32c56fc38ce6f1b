use crate::Settings;
use figment::providers::{Env, Format, Toml};
use figment::Figment;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A value could not be read (wrong type, unknown key); figment's message names the key and
    /// where it came from.
    #[error("configuration error: {0}")]
    Read(String),
    #[error("configuration key {key}: {message}")]
    Invalid { key: String, message: String },
}

/// Loads settings from the process environment and the optional file, then validates them.
pub fn load() -> Result<Settings, SettingsError> {
    let file = std::env::var("REHEARSE_CONFIG").ok();
    let file = file.as_deref().map(Path::new).or_else(|| {
        let default = Path::new("rehearse.toml");
        default.exists().then_some(default)
    });
    load_from(
        file,
        Env::prefixed("REHEARSE_").split("__").ignore(&["config"]),
    )
}

/// Loads from an explicit file and environment provider; used by tests to avoid touching the
/// process environment.
pub fn load_from(file: Option<&Path>, env: Env) -> Result<Settings, SettingsError> {
    let mut figment = Figment::new();
    if let Some(path) = file {
        if !path.exists() {
            return Err(SettingsError::Invalid {
                key: "REHEARSE_CONFIG".into(),
                message: format!("file {} does not exist", path.display()),
            });
        }
        figment = figment.merge(Toml::file(path));
    }
    let settings: Settings = figment
        .merge(env)
        .extract()
        .map_err(|e| SettingsError::Read(describe(e)))?;
    settings.validate()?;
    Ok(settings)
}

/// Names the variable at fault (`REHEARSE_LOGIN_ATTEMPTS_PER_IP: invalid type ...`) rather
/// than figment's internal key path.
fn describe(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let source = e
                .metadata
                .as_ref()
                .map(|m| m.name.to_string())
                .unwrap_or_default();
            if e.path.is_empty() {
                format!("{} ({source})", e.kind)
            } else {
                let key = crate::env_key(&e.path.join("__"));
                format!("{key}: {} (from {source})", e.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
// figment's Jail closures must return figment::Error, which is large; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    fn from_env() -> Result<Settings, SettingsError> {
        load_from(None, Env::prefixed("REHEARSE_").split("__"))
    }

    #[test]
    fn defaults_need_no_configuration() {
        Jail::expect_with(|_| {
            let s = from_env().map_err(|e| e.to_string())?;
            assert_eq!(s.database_url(), "sqlite://data/rehearse.db");
            assert!(!s.https());
            Ok(())
        });
    }

    #[test]
    fn bad_value_names_the_key() {
        Jail::expect_with(|jail| {
            jail.set_env("REHEARSE_LOGIN_ATTEMPTS_PER_IP", "many");
            let err = from_env().expect_err("must fail").to_string();
            assert!(err.contains("REHEARSE_LOGIN_ATTEMPTS_PER_IP"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn bad_database_url_names_the_variable() {
        Jail::expect_with(|jail| {
            jail.set_env("REHEARSE_DATABASE_URL", "mysql://x");
            let err = from_env().expect_err("must fail").to_string();
            assert!(err.contains("REHEARSE_DATABASE_URL"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn bootstrap_admins_from_a_comma_separated_variable() {
        Jail::expect_with(|jail| {
            jail.set_env("REHEARSE_BOOTSTRAP_ADMINS", "a@x.io, B@x.io");
            let s = from_env().map_err(|e| e.to_string())?;
            assert_eq!(
                s.bootstrap_admins,
                vec!["a@x.io".to_owned(), "B@x.io".to_owned()]
            );
            assert!(s.is_bootstrap_admin("b@x.io"));
            Ok(())
        });
    }

    #[test]
    fn hosted_model_settings_are_checked() {
        Jail::expect_with(|jail| {
            jail.set_env("REHEARSE_LLM__PROVIDER", "anthropic");
            jail.set_env("REHEARSE_LLM__MODEL", "claude-sonnet-4-5");
            let err = from_env().expect_err("no key").to_string();
            assert!(err.contains("REHEARSE_LLM__API_KEY"), "{err}");
            jail.set_env("REHEARSE_LLM__API_KEY", "sk-ant-secret-value");
            let s = from_env().map_err(|e| e.to_string())?;
            assert!(!format!("{s:?}").contains("sk-ant-secret-value"));
            jail.set_env("REHEARSE_BUDGET__PER_INTERVIEW_USD", "-1");
            let err = from_env().expect_err("negative").to_string();
            assert!(err.contains("REHEARSE_BUDGET__PER_INTERVIEW_USD"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn unknown_key_is_refused() {
        Jail::expect_with(|jail| {
            jail.set_env("REHEARSE_DATABSE_URL", "sqlite://x");
            let err = from_env().expect_err("must fail").to_string();
            assert!(err.contains("databse_url"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn oauth_providers_from_nested_variables_and_secrets_stay_hidden() {
        Jail::expect_with(|jail| {
            jail.set_env("REHEARSE_OAUTH__CORP__KIND", "oidc");
            jail.set_env("REHEARSE_OAUTH__CORP__ISSUER", "http://127.0.0.1:9");
            jail.set_env("REHEARSE_OAUTH__CORP__CLIENT_ID", "rehearse");
            jail.set_env("REHEARSE_OAUTH__CORP__CLIENT_SECRET", "hunter2-very-secret");
            jail.set_env(
                "REHEARSE_DATABASE_URL",
                "postgres://u:pg-password@localhost/db",
            );
            let s = from_env().map_err(|e| e.to_string())?;
            let provider = &s.oauth["corp"];
            assert_eq!(provider.issuer_url().as_deref(), Some("http://127.0.0.1:9"));
            assert_eq!(provider.label("corp"), "corp");
            let debug = format!("{s:?}");
            assert!(!debug.contains("hunter2"), "{debug}");
            assert!(!debug.contains("pg-password"), "{debug}");
            Ok(())
        });
    }

    #[test]
    fn oidc_without_issuer_names_the_key() {
        Jail::expect_with(|jail| {
            jail.set_env("REHEARSE_OAUTH__CORP__KIND", "oidc");
            jail.set_env("REHEARSE_OAUTH__CORP__CLIENT_ID", "rehearse");
            let err = from_env().expect_err("must fail").to_string();
            assert!(err.contains("REHEARSE_OAUTH__CORP__ISSUER"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn file_values_are_overridden_by_environment() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "r.toml",
                "login_attempts_per_ip = 7\nsession_idle_hours = 3\n",
            )?;
            jail.set_env("REHEARSE_SESSION_IDLE_HOURS", "9");
            let s = load_from(
                Some(Path::new("r.toml")),
                Env::prefixed("REHEARSE_").split("__"),
            )
            .map_err(|e| e.to_string())?;
            assert_eq!(s.login_attempts_per_ip, 7);
            assert_eq!(s.session_idle_hours, 9);
            Ok(())
        });
    }
}
