//! OAuth2 / OpenID Connect sign-in: the authorization-code flow with PKCE (S256), a random
//! `state` bound to the browser's session, and (for OIDC) a `nonce` checked inside the signed ID
//! token. This module only speaks to providers; the session handling and account linking are
//! the caller's, so the flow can be tested against a real provider process in isolation.
//!
//! ID tokens are accepted only when signed with an asymmetric algorithm
//! ([`ID_TOKEN_SIGNING_ALGS`]) by a key from the provider's JWKS. `openidconnect` would otherwise
//! accept whatever the discovery document advertises, including HS256 keyed with our own
//! client secret: a token anyone who learns the secret could mint.

mod github;
mod oidc;

use crate::accounts::ExternalIdentity;
use github::github_client;
use openidconnect::core::{CoreAuthenticationFlow, CoreJwsSigningAlgorithm, CoreProviderMetadata};
use openidconnect::{
    ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, RedirectUrl, Scope,
};
// The whole `source()` chain, for logs: provider errors nest their useful part.
use rehearse_db::error_chain;
use rehearse_settings::{OAuthKind, OAuthProviderSettings};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// A flow older than this is refused at the callback.
pub const FLOW_TTL: Duration = Duration::from_secs(600);
/// Discovery documents and keys are re-fetched after this long, so key rotation is picked up.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// The only algorithms an ID token may be signed with: public-key signatures verified against
/// the provider's published keys. The MAC algorithms (HS256/384/512, keyed with the client
/// secret) and `none` are refused whatever the provider advertises.
pub const ID_TOKEN_SIGNING_ALGS: &[CoreJwsSigningAlgorithm] = &[
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("unknown sign-in provider")]
    UnknownProvider,
    #[error("the sign-in provider could not be reached")]
    ProviderUnavailable(String),
    #[error("this sign-in link is not valid for your session; start again")]
    UnknownState,
    #[error("this sign-in attempt expired; start again")]
    Expired,
    #[error("the sign-in provider refused the sign-in")]
    Refused(String),
    #[error("the sign-in provider's answer could not be verified")]
    InvalidToken(String),
    /// A provider whose issuer is neither `https://` nor on loopback (settings validation
    /// refuses it too; this guards settings built in code).
    #[error("sign-in provider {0} must use an https:// issuer")]
    InsecureIssuer(String),
}

/// What must survive the round trip to the provider; kept in the server-side session, never in
/// the browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingFlow {
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub started_at_ms: i64,
}

struct Provider {
    id: String,
    settings: OAuthProviderSettings,
    metadata: Mutex<Option<(Instant, Arc<CoreProviderMetadata>)>>,
}

/// The configured providers.
#[derive(Clone)]
pub struct OAuthProviders {
    providers: Arc<BTreeMap<String, Provider>>,
    http: reqwest::Client,
}

impl std::fmt::Debug for OAuthProviders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.providers.keys()).finish()
    }
}

impl OAuthProviders {
    pub fn new(settings: &BTreeMap<String, OAuthProviderSettings>) -> Result<Self, OAuthError> {
        // No redirects: a provider endpoint that redirects elsewhere is a configuration error,
        // and following it would open the server to request forgery.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .user_agent("rehearse")
            .build()
            .map_err(|e| OAuthError::ProviderUnavailable(e.to_string()))?;
        for (id, provider) in settings {
            if let Some(issuer) = provider.issuer_url() {
                let secure = url::Url::parse(&issuer)
                    .is_ok_and(|url| rehearse_settings::https_or_loopback(&url));
                if !secure {
                    return Err(OAuthError::InsecureIssuer(id.clone()));
                }
            }
        }
        let providers = settings
            .iter()
            .map(|(id, s)| {
                (
                    id.clone(),
                    Provider {
                        id: id.clone(),
                        settings: s.clone(),
                        metadata: Mutex::new(None),
                    },
                )
            })
            .collect();
        Ok(OAuthProviders {
            providers: Arc::new(providers),
            http,
        })
    }

    /// (id, button label) of every provider, for the sign-in page.
    pub fn list(&self) -> Vec<(String, String)> {
        self.providers
            .values()
            .map(|p| (p.id.clone(), p.settings.label(&p.id)))
            .collect()
    }

    /// Whether `id` names a configured provider (the callback URL's segment is the caller's
    /// choice, so it is checked before being written anywhere).
    pub fn is_configured(&self, id: &str) -> bool {
        self.providers.contains_key(id)
    }

    fn provider(&self, id: &str) -> Result<&Provider, OAuthError> {
        self.providers.get(id).ok_or(OAuthError::UnknownProvider)
    }

    async fn metadata(&self, provider: &Provider) -> Result<Arc<CoreProviderMetadata>, OAuthError> {
        let mut cached = provider.metadata.lock().await;
        if let Some((at, metadata)) = cached.as_ref() {
            if at.elapsed() < METADATA_TTL {
                return Ok(metadata.clone());
            }
        }
        let issuer = provider
            .settings
            .issuer_url()
            .ok_or(OAuthError::UnknownProvider)?;
        let issuer =
            IssuerUrl::new(issuer).map_err(|e| OAuthError::ProviderUnavailable(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OAuthError::ProviderUnavailable(error_chain(&e)))?;
        let metadata = Arc::new(metadata);
        *cached = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    /// Begins a flow: the URL to send the browser to and what to keep in its session.
    pub async fn start(
        &self,
        id: &str,
        redirect_uri: &str,
        now_ms: i64,
    ) -> Result<(String, PendingFlow), OAuthError> {
        let provider = self.provider(id)?;
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| OAuthError::ProviderUnavailable(e.to_string()))?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = match provider.settings.kind {
            OAuthKind::Oidc | OAuthKind::Google => {
                let (url, state, nonce) = self
                    .oidc_client(provider, redirect)
                    .await?
                    .authorize_url(
                        CoreAuthenticationFlow::AuthorizationCode,
                        CsrfToken::new_random,
                        Nonce::new_random,
                    )
                    .add_scope(Scope::new("email".into()))
                    .add_scope(Scope::new("profile".into()))
                    .set_pkce_challenge(challenge)
                    .url();
                (url, state, nonce.secret().clone())
            }
            OAuthKind::Github => {
                let (url, state) = github_client(provider, redirect)?
                    .authorize_url(CsrfToken::new_random)
                    .add_scope(oauth2::Scope::new("read:user".into()))
                    .add_scope(oauth2::Scope::new("user:email".into()))
                    .set_pkce_challenge(oauth2::PkceCodeChallenge::from_code_verifier_sha256(
                        &oauth2::PkceCodeVerifier::new(verifier.secret().clone()),
                    ))
                    .url();
                (url, state, String::new())
            }
        };
        let pending = PendingFlow {
            provider: id.to_owned(),
            state: state.secret().clone(),
            nonce,
            pkce_verifier: verifier.secret().clone(),
            started_at_ms: now_ms,
        };
        Ok((url.to_string(), pending))
    }

    /// Completes a flow. `pending` must have been taken out of the session (so it can never be
    /// used twice); `state` and `code` are what the provider sent back.
    pub async fn finish(
        &self,
        pending: PendingFlow,
        state: &str,
        code: &str,
        redirect_uri: &str,
        now_ms: i64,
    ) -> Result<ExternalIdentity, OAuthError> {
        if !constant_time_eq(pending.state.as_bytes(), state.as_bytes()) {
            return Err(OAuthError::UnknownState);
        }
        let age_ms = now_ms.saturating_sub(pending.started_at_ms);
        if age_ms < 0 || age_ms as u128 > FLOW_TTL.as_millis() {
            return Err(OAuthError::Expired);
        }
        let provider = self.provider(&pending.provider)?;
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| OAuthError::ProviderUnavailable(e.to_string()))?;
        let callback = Callback {
            provider,
            pending,
            code,
            redirect,
        };
        match provider.settings.kind {
            OAuthKind::Oidc | OAuthKind::Google => self.finish_oidc(callback).await,
            OAuthKind::Github => self.finish_github(callback).await,
        }
    }
}

/// A provider's answer at the callback, with the flow it ends: what finishing a flow needs,
/// whichever protocol the provider speaks (OIDC or GitHub's plain OAuth2), in one value so the
/// two ways of finishing take the same thing.
struct Callback<'a> {
    provider: &'a Provider,
    pending: PendingFlow,
    /// The authorization code the provider sent back.
    code: &'a str,
    redirect: RedirectUrl,
}

fn client_id(provider: &Provider) -> ClientId {
    ClientId::new(provider.settings.client_id.clone())
}

fn client_secret(provider: &Provider) -> Option<ClientSecret> {
    provider
        .settings
        .client_secret
        .as_ref()
        .map(|s| ClientSecret::new(s.expose_secret().to_owned()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::ID_TOKEN_SIGNING_ALGS;
    use openidconnect::core::CoreJwsSigningAlgorithm;
    use openidconnect::JwsSigningAlgorithm;

    #[test]
    fn id_tokens_need_a_public_key_signature() {
        for alg in ID_TOKEN_SIGNING_ALGS {
            assert!(
                !alg.uses_shared_secret(),
                "{alg:?} is keyed with the client secret"
            );
            assert!(alg.key_type().is_some(), "{alg:?} signs nothing");
        }
        for refused in [
            CoreJwsSigningAlgorithm::HmacSha256,
            CoreJwsSigningAlgorithm::HmacSha384,
            CoreJwsSigningAlgorithm::HmacSha512,
            CoreJwsSigningAlgorithm::None,
        ] {
            assert!(!ID_TOKEN_SIGNING_ALGS.contains(&refused), "{refused:?}");
        }
        assert!(ID_TOKEN_SIGNING_ALGS.contains(&CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256));
    }
}
