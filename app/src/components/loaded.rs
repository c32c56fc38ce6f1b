//! A page's data from a server function, drawn once it has loaded.
//!
//! Nearly every page loads a list or a record into a [`Resource`] and drew the same wrapper
//! around its own markup: a `<Suspense>`, "Loading…" meanwhile, and the server's error as an
//! [`ErrorNotice`]. That wrapper lives here once, so the loading text and the error notice (which
//! browser tests find as `data-testid="page-error"`) stay the same on every page, and a page
//! writes only what it shows of its data.

use super::forms::ErrorNotice;
use crate::api::ApiError;
use leptos::prelude::*;

/// `resource` under a `<Suspense>`: "Loading…" until it has answered, then its error as an
/// [`ErrorNotice`], or `ready`'s view of the data.
pub fn loaded<T>(
    resource: Resource<Result<T, ApiError>>,
    ready: impl Fn(T) -> AnyView + Clone + Send + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    loaded_with(resource, || view! { <p>"Loading…"</p> }, ready)
}

/// [`loaded`] with `fallback` shown until the resource has answered: `|| ()` shows nothing,
/// for a section of a page whose other parts already say what the page is.
pub fn loaded_with<T>(
    resource: Resource<Result<T, ApiError>>,
    fallback: impl Into<ViewFnOnce>,
    ready: impl Fn(T) -> AnyView + Clone + Send + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    let fallback: ViewFnOnce = fallback.into();
    view! {
        <Suspense fallback=fallback>
            {move || {
                let ready = ready.clone();
                Suspend::new(async move {
                    match resource.await {
                        Err(e) => view! { <ErrorNotice message=e.to_string()/> }.into_any(),
                        Ok(data) => ready(data),
                    }
                })
            }}
        </Suspense>
    }
}
