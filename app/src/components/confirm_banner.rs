use super::layout::use_user;
use leptos::prelude::*;

/// Asks a signed-in account whose email address is not confirmed to confirm it. Until then the
/// account can practise, but cannot be made a reviewer or admin.
#[component]
pub fn ConfirmBanner() -> impl IntoView {
    let user = use_user();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                user.await.filter(|u| !u.email_verified).map(|u| view! {
                    <div role="status" class="mb-6 rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="confirm-banner">
                        "Please confirm your email address with the link we sent to " {u.email} ". "
                        <a href="/account/password" class="underline">"Send a new link"</a>
                    </div>
                })
            })}
        </Suspense>
    }
}
