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

/// Settings from the `REHEARSE_*` variables alone (no file): what the tests of every section
/// load, inside a figment `Jail`.
#[cfg(test)]
pub(crate) fn from_env() -> Result<Settings, SettingsError> {
    load_from(None, Env::prefixed("REHEARSE_").split("__"))
}

#[cfg(test)]
// figment's Jail closures must return figment::Error, which is large; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests;
