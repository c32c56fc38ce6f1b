use super::errors::internal;
use crate::api::ApiError;
use axum::extract::FromRef;
use leptos::prelude::*;
use rehearse_auth::oauth::OAuthProviders;
use rehearse_auth::Accounts;
use rehearse_db::Db;
use rehearse_interview::service::InterviewService;
use rehearse_llm::gateway::Gateway;
use rehearse_settings::Settings;
use std::sync::Arc;

/// Everything a request handler or server function may need, built once at start by the
/// server's composition root and shared (cheaply cloned) with every request.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub accounts: Accounts,
    /// Confirming addresses, password reset and change, and the mail they send.
    pub verification: rehearse_auth::verify::Verification,
    pub oauth: OAuthProviders,
    /// The one choke point for model calls (traces, budgets).
    pub gateway: Gateway,
    pub interviews: InterviewService,
    /// Send and start rate limits, live-stream caps.
    pub limits: Arc<super::limits::Limits>,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state inside a server function (provided as context by the server's router).
pub fn app_state() -> Result<AppState, ApiError> {
    use_context::<AppState>()
        .ok_or_else(|| internal("AppState missing from the server-function context"))
}
