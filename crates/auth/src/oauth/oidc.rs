//! Finishing an OpenID Connect flow (including Google): exchanging the code, verifying the
//! signed ID token (allowed algorithms, nonce, access-token hash) and reading the person's
//! claims, from the userinfo endpoint when the token leaves them out. This is the security-heavy
//! part of the provider flow, so it is kept in one place to be read and reviewed on its own.

use super::{
    client_id, client_secret, error_chain, Callback, OAuthError, OAuthProviders, Provider,
    ID_TOKEN_SIGNING_ALGS,
};
use crate::accounts::ExternalIdentity;
use openidconnect::core::{CoreClient, CoreIdTokenVerifier, CoreUserInfoClaims};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, EndpointMaybeSet, EndpointNotSet, EndpointSet, Nonce,
    OAuth2TokenResponse, PkceCodeVerifier, RedirectUrl, TokenResponse,
};

/// The client [`CoreClient::from_provider_metadata`] builds: the authorization endpoint set,
/// the token and userinfo endpoints as the discovery document has them.
type OidcClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

impl OAuthProviders {
    /// The OIDC client for `provider`, from its (cached) discovery document, sending the browser
    /// back to `redirect`. Starting a flow and finishing it build the same client, so here once.
    pub(super) async fn oidc_client(
        &self,
        provider: &Provider,
        redirect: RedirectUrl,
    ) -> Result<OidcClient, OAuthError> {
        let metadata = self.metadata(provider).await?;
        Ok(CoreClient::from_provider_metadata(
            (*metadata).clone(),
            client_id(provider),
            client_secret(provider),
        )
        .set_redirect_uri(redirect))
    }

    pub(super) async fn finish_oidc(
        &self,
        callback: Callback<'_>,
    ) -> Result<ExternalIdentity, OAuthError> {
        let (provider, pending) = (callback.provider, callback.pending);
        let client = self.oidc_client(provider, callback.redirect).await?;
        let token = client
            .exchange_code(AuthorizationCode::new(callback.code.to_owned()))
            .map_err(|e| OAuthError::ProviderUnavailable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| OAuthError::Refused(error_chain(&e)))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| OAuthError::InvalidToken("no ID token".into()))?;
        // The client's own verifier allows every algorithm the discovery document advertises.
        let verifier: CoreIdTokenVerifier<'_> = client
            .id_token_verifier()
            .set_allowed_algs(ID_TOKEN_SIGNING_ALGS.iter().cloned());
        let claims = id_token
            .claims(&verifier, &Nonce::new(pending.nonce))
            .map_err(|e| OAuthError::InvalidToken(error_chain(&e)))?;
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token
                .signing_alg()
                .map_err(|e| OAuthError::InvalidToken(e.to_string()))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| OAuthError::InvalidToken(e.to_string()))?;
            let actual = AccessTokenHash::from_token(token.access_token(), alg, key)
                .map_err(|e| OAuthError::InvalidToken(e.to_string()))?;
            if actual != *expected {
                return Err(OAuthError::InvalidToken(
                    "access token hash mismatch".into(),
                ));
            }
        }
        let subject = claims.subject().clone();
        let mut identity = ExternalIdentity {
            provider: provider.id.clone(),
            subject: subject.as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_owned()),
            email_verified: claims.email_verified().unwrap_or(false),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
        };
        // Conformant providers may keep profile claims out of the ID token and serve them from
        // the userinfo endpoint only; ask there, bound to the same subject.
        if identity.email.is_none() {
            let userinfo: CoreUserInfoClaims = client
                .user_info(token.access_token().to_owned(), Some(subject))
                .map_err(|e| OAuthError::InvalidToken(format!("no userinfo endpoint: {e}")))?
                .request_async(&self.http)
                .await
                .map_err(|e| OAuthError::InvalidToken(error_chain(&e)))?;
            identity.email = userinfo.email().map(|e| e.as_str().to_owned());
            identity.email_verified = userinfo.email_verified().unwrap_or(false);
            if identity.name.is_none() {
                identity.name = userinfo
                    .name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned());
            }
        }
        Ok(identity)
    }
}
