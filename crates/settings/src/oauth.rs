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
                if !https_or_loopback(&url) {
                    return Err((
                        "issuer",
                        "must be an https:// URL (http:// only on loopback: localhost, \
                         127.0.0.1, ::1); discovery and keys fetched over plain HTTP could be \
                         replaced on the way"
                            .into(),
                    ));
                }
            }
            (None, _) => {}
        }
        Ok(())
    }
}

/// Whether `url` names this machine: `localhost`, `127.0.0.0/8` or `::1`. Plain HTTP is
/// accepted there only, for development and the tests' provider process.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Whether `url` may take part in a sign-in flow (public URL, issuer): `https://`, or
/// `http://` on loopback.
pub fn https_or_loopback(url: &url::Url) -> bool {
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => is_loopback(url),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::https_or_loopback;

    fn ok(url: &str) -> bool {
        https_or_loopback(&url::Url::parse(url).expect("test URL"))
    }

    #[test]
    fn https_anywhere_and_http_only_on_loopback() {
        assert!(ok("https://sso.example.com"));
        assert!(ok("https://sso.example.com:8443/realms/x"));
        assert!(ok("http://127.0.0.1:9000"));
        assert!(ok("http://127.1.2.3"));
        assert!(ok("http://localhost:3000"));
        assert!(ok("http://LOCALHOST"));
        assert!(ok("http://[::1]:3000"));
        assert!(!ok("http://sso.example.com"));
        assert!(!ok("http://10.0.0.5:8080"));
        assert!(!ok("http://[::2]"));
        assert!(!ok("http://localhost.example.com"));
        assert!(!ok("http://127.0.0.1.example.com"));
        assert!(!ok("ftp://localhost"));
        assert!(!ok("file:///etc/passwd"));
    }
}
