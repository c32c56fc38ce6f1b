use secrecy::SecretString;
use serde::Deserialize;

/// How a provider is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OAuthKind {
    /// Any OpenID Connect provider, found by issuer discovery.
    Oidc,
    /// Google: OpenID Connect with Google's issuer filled in.
    Google,
    /// GitHub: plain OAuth2 (GitHub is not an OpenID provider); the verified email comes from
    /// GitHub's API.
    Github,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthProviderSettings {
    pub kind: OAuthKind,
    /// Shown on the button: "Continue with <label>".
    #[serde(default)]
    pub label: Option<String>,
    /// Required for `oidc`; fixed for `google`; unused for `github`. Kept as written: discovery
    /// compares it byte for byte with the issuer the provider announces.
    #[serde(default)]
    pub issuer: Option<String>,
    pub client_id: String,
    /// Absent for public clients, which rely on PKCE alone.
    #[serde(default)]
    pub client_secret: Option<SecretString>,
}

pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";

impl OAuthProviderSettings {
    pub fn label(&self, id: &str) -> String {
        match (&self.label, self.kind) {
            (Some(label), _) => label.clone(),
            (None, OAuthKind::Google) => "Google".into(),
            (None, OAuthKind::Github) => "GitHub".into(),
            (None, OAuthKind::Oidc) => id.to_owned(),
        }
    }

    /// The issuer to discover, for the OpenID Connect kinds.
    pub fn issuer_url(&self) -> Option<String> {
        match self.kind {
            OAuthKind::Oidc => self.issuer.clone(),
            OAuthKind::Google => Some(GOOGLE_ISSUER.to_owned()),
            OAuthKind::Github => None,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.client_id.trim().is_empty() {
            return Err(("client_id", "must not be empty".into()));
        }
        match (&self.issuer, self.kind) {
            (None, OAuthKind::Oidc) => {
                return Err(("issuer", "is required for kind = oidc".into()))
            }
            (Some(issuer), _) => {
                let url = url::Url::parse(issuer)
                    .map_err(|e| ("issuer", format!("is not a URL: {e}")))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(("issuer", "must be an http:// or https:// URL".into()));
                }
            }
            (None, _) => {}
        }
        Ok(())
    }
}
