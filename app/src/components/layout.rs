use super::confirm_banner::ConfirmBanner;
use crate::api::whoami;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use rehearse_types::{CurrentUser, Role};

/// The signed-in user, loaded once per page and shared with every page through context.
#[derive(Clone, Copy)]
pub struct UserResource(pub Resource<Option<CurrentUser>>);

pub fn use_user() -> Resource<Option<CurrentUser>> {
    expect_context::<UserResource>().0
}

/// The frame of every page: a header whose navigation depends on the role, then the page.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let user = Resource::new(|| (), |_| async { whoami().await.ok().flatten() });
    provide_context(UserResource(user));
    view! {
        <header class="border-b border-slate-200 bg-white">
            <nav class="mx-auto flex max-w-5xl items-center gap-6 px-4 py-3" aria-label="Main">
                <A href="/" attr:class="text-lg font-semibold tracking-tight text-indigo-700">"Rehearse"</A>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move { view! { <NavLinks user=user.await/> } })}
                </Suspense>
            </nav>
        </header>
        <main class="mx-auto max-w-5xl px-4 py-8">
            <ConfirmBanner/>
            {children()}
        </main>
    }
}

/// The top of a page that says what it is for: the browser tab's title, the `<h1>`, and the
/// paragraph under it (`children`). One definition, so every page that opens this way keeps the
/// same type sizes and spacing.
#[component]
pub fn PageHeader(
    /// The tab's title, before " · Rehearse".
    title: &'static str,
    heading: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Rehearse")/>
        <h1 class="mb-2 text-2xl font-semibold">{heading}</h1>
        <p class="mb-4 text-sm text-slate-600">{children()}</p>
    }
}

#[component]
fn NavLinks(user: Option<CurrentUser>) -> impl IntoView {
    let link = "text-sm font-medium text-slate-600 hover:text-indigo-700";
    match user {
        None => view! {
            <div class="ml-auto flex items-center gap-4">
                <a href="/login" class=link>"Sign in"</a>
                <a href="/signup" class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">"Sign up"</a>
            </div>
        }
        .into_any(),
        Some(user) => {
            let admin = user.role == Role::Admin;
            let queue = user.review_queue;
            view! {
                <div class="flex items-center gap-4">
                    <a href="/home" class=link>"Home"</a>
                    {queue.map(|n| view! {
                        <a href="/review" class=link data-testid="review-link">"Review"
                            {(n > 0).then(|| view! { <span class="ml-1 rounded-full bg-amber-500 px-2 text-xs text-white" data-testid="review-badge">{n}</span> })}
                        </a>
                    })}
                    <Show when=move || admin>
                        <a href="/admin/users" class=link>"Users"</a>
                        <a href="/admin/audit" class=link>"Audit log"</a>
                        <a href="/admin/ai" class=link>"AI"</a>
                        <a href="/admin/prompts" class=link>"Prompts"</a>
                        <a href="/admin/jds" class=link>"Job descriptions"</a>
                        <a href="/admin/jobs" class=link>"Failed jobs"</a>
                        <a href="/admin/review" class=link>"Review metrics"</a>
                    </Show>
                </div>
                <div class="ml-auto flex items-center gap-3">
                    <span class="text-sm text-slate-500" data-testid="whoami">
                        {user.display_name.clone()} " · " {user.role.label()}
                    </span>
                    <a href="/account/password" class=link data-testid="password-link">"Password"</a>
                    <a href="/account/sessions" class=link data-testid="sessions-link">"Sessions"</a>
                    <a href="/account/data" class=link data-testid="data-link">"Your data"</a>
                    <form method="post" action="/auth/logout">
                        <button type="submit" class="text-sm font-medium text-slate-600 hover:text-red-600">"Sign out"</button>
                    </form>
                </div>
            }
            .into_any()
        }
    }
}
