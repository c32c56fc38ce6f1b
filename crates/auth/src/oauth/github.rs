//! GitHub sign-in. GitHub speaks plain OAuth2, not OpenID Connect: there is no ID token, so the
//! person's id, name and verified primary email are read from its REST API. Kept apart because
//! it is a different protocol from the OIDC providers, with its own endpoints and types.

use super::{error_chain, Callback, OAuthError, OAuthProviders, Provider};
use crate::accounts::ExternalIdentity;
use openidconnect::{OAuth2TokenResponse, RedirectUrl};
use secrecy::ExposeSecret;
use serde::Deserialize;

const GITHUB_AUTHORIZE: &str = "https://github.com/login/oauth/authorize";
const GITHUB_TOKEN: &str = "https://github.com/login/oauth/access_token";
const GITHUB_API: &str = "https://api.github.com";

impl OAuthProviders {
    pub(super) async fn finish_github(
        &self,
        callback: Callback<'_>,
    ) -> Result<ExternalIdentity, OAuthError> {
        let provider = callback.provider;
        let token = github_client(provider, callback.redirect)?
            .exchange_code(oauth2::AuthorizationCode::new(callback.code.to_owned()))
            .set_pkce_verifier(oauth2::PkceCodeVerifier::new(
                callback.pending.pkce_verifier,
            ))
            .request_async(&self.http)
            .await
            .map_err(|e| OAuthError::Refused(error_chain(&e)))?;
        let bearer = token.access_token().secret().clone();
        let user: GithubUser = self
            .github_get(&format!("{GITHUB_API}/user"), &bearer)
            .await?;
        let emails: Vec<GithubEmail> = self
            .github_get(&format!("{GITHUB_API}/user/emails"), &bearer)
            .await?;
        let primary = emails.into_iter().find(|e| e.primary);
        Ok(ExternalIdentity {
            provider: provider.id.clone(),
            subject: user.id.to_string(),
            email: primary.as_ref().map(|e| e.email.clone()),
            email_verified: primary.is_some_and(|e| e.verified),
            name: user.name.or(Some(user.login)),
        })
    }

    async fn github_get<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        bearer: &str,
    ) -> Result<T, OAuthError> {
        let response = self
            .http
            .get(url)
            .bearer_auth(bearer)
            .header("Accept", "application/vnd.github+json")
            .send()
            .await
            .map_err(|e| OAuthError::ProviderUnavailable(e.to_string()))?;
        if !response.status().is_success() {
            return Err(OAuthError::Refused(format!(
                "GitHub API answered {}",
                response.status()
            )));
        }
        response
            .json()
            .await
            .map_err(|e| OAuthError::InvalidToken(e.to_string()))
    }
}

#[derive(Deserialize)]
struct GithubUser {
    id: u64,
    login: String,
    name: Option<String>,
}

#[derive(Deserialize)]
struct GithubEmail {
    email: String,
    primary: bool,
    verified: bool,
}

type GithubClient = oauth2::basic::BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

pub(super) fn github_client(
    provider: &Provider,
    redirect: RedirectUrl,
) -> Result<GithubClient, OAuthError> {
    let bad = |e: url::ParseError| OAuthError::ProviderUnavailable(e.to_string());
    let mut client =
        oauth2::basic::BasicClient::new(oauth2::ClientId::new(provider.settings.client_id.clone()))
            .set_auth_uri(oauth2::AuthUrl::new(GITHUB_AUTHORIZE.into()).map_err(bad)?)
            .set_token_uri(oauth2::TokenUrl::new(GITHUB_TOKEN.into()).map_err(bad)?)
            .set_redirect_uri(oauth2::RedirectUrl::new(redirect.as_str().to_owned()).map_err(bad)?);
    if let Some(secret) = &provider.settings.client_secret {
        client =
            client.set_client_secret(oauth2::ClientSecret::new(secret.expose_secret().to_owned()));
    }
    Ok(client)
}
