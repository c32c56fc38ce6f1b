//! The extractor shared by the account form posts (sign-up, sign-in, confirming an address,
//! resetting and changing a password). Each of them needs the state, the client's address (for
//! throttling and the audit log), the session (to sign in or to carry a failed form back), the
//! request headers (to answer a browser or an API client) and the form itself; one extractor
//! saves repeating those five in every handler.

use app::server::client_ip::ClientIp;
use app::server::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::de::DeserializeOwned;
use std::net::IpAddr;
use tower_sessions::Session;

/// What `State<AppState>, ClientIp, Session, HeaderMap, Form<F>` would extract, in that order
/// and with the same rejections: a missing session layer or a bad form body is answered exactly
/// as those extractors answer it. A tuple struct, so a handler binds all five on one line
/// (`FormPost(state, ip, session, headers, form): FormPost<SignInForm>`); every field has a type
/// of its own, so binding them in the wrong order fails to compile where they are used.
pub(super) struct FormPost<F>(
    /// The application state.
    pub AppState,
    /// The client's address, as [`ClientIp`] gives it.
    pub Option<IpAddr>,
    /// The visitor's session.
    pub Session,
    /// The request headers.
    pub HeaderMap,
    /// The decoded form body.
    pub F,
);

impl<F> FromRequest<AppState> for FormPost<F>
where
    F: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        // As axum runs a handler's extractors: those of the head first, then the body.
        let (mut parts, body) = req.into_parts();
        let ClientIp(ip) = ClientIp::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let session = Session::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let headers = parts.headers.clone();
        let req = Request::from_parts(parts, body);
        let Form(form) = <Form<F> as FromRequest<AppState>>::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(FormPost(state.clone(), ip, session, headers, form))
    }
}
