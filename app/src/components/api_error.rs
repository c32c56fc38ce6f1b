//! A failed server call, as the person sees it.

use super::forms::ErrorNotice;
use crate::api::ApiError;
use leptos::prelude::*;

/// Being asked to slow down or wait is not a failure: a rate limit or a busy interviewer reads as a calm notice that says how
/// long to wait (the text the server wrote, "You're sending messages quickly; try again in
/// 8 s."); anything else is an [`ErrorNotice`].
#[component]
pub fn ApiErrorNotice(error: ApiError) -> impl IntoView {
    match error {
        ApiError::RateLimited { message, .. } => view! {
            <div role="status" class="rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-amber-800" data-testid="slow-down">
                {message}
            </div>
        }
        .into_any(),
        ApiError::Busy { message, .. } => view! {
            <div role="status" class="rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-amber-800" data-testid="busy">
                {message}
            </div>
        }
        .into_any(),
        other => view! { <ErrorNotice message=other.to_string()/> }.into_any(),
    }
}
