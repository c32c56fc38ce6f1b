//! Sign-in and sign-up. Both are plain HTML forms posting to `/auth/*` routes, so they work
//! with JavaScript disabled; a failed submission redirects back here with its errors in the
//! session (post-redirect-get), which these pages read and clear.

use crate::api::{oauth_providers, take_form_flash};
use crate::components::forms::{Field, FormMessage};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use rehearse_types::{FormErrors, FormFlash};
use std::future::Future;

fn flash_resource(form: &'static str) -> Resource<FormFlash> {
    Resource::new(
        || (),
        move |_| async move {
            take_form_flash(form.to_owned())
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
        },
    )
}

const BUTTON: &str =
    "w-full rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500";
pub(super) const CARD: &str =
    "mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm";
const NOTICE: &str =
    "mb-4 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800";

/// The frame of every form page (sign-in, sign-up and the mailed-link pages): the tab title
/// (`name` · Rehearse), then, once the flash of the last failed submission of `form` is read
/// (and whatever else `body` awaits), a card with `heading` over what `body` makes of that
/// flash. The pages differ only in their forms, so the frame is written once.
pub(super) fn form_page<Fut, V>(
    form: &'static str,
    name: &'static str,
    heading: &'static str,
    body: impl Fn(FormFlash) -> Fut + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    Fut: Future<Output = V> + Send + 'static,
    V: IntoView + 'static,
{
    let flash = flash_resource(form);
    view! {
        <Title text=format!("{name} · Rehearse")/>
        <Suspense fallback=|| ()>
            {move || {
                let body = body.clone();
                Suspend::new(async move {
                    let content = body(flash.await).await;
                    view! {
                        <div class=CARD>
                            <h1 class="mb-4 text-2xl font-semibold">{heading}</h1>
                            {content}
                        </div>
                    }
                })
            }}
        </Suspense>
    }
}

/// A form of these pages, posted as plain HTML (it works without JavaScript): the message
/// about the whole form, its fields (`children`), then the submit button.
#[component]
pub(super) fn PostForm(
    action: &'static str,
    errors: FormErrors,
    /// The submit button's text.
    submit: &'static str,
    /// The submit button's `data-testid`, where a test clicks it.
    #[prop(optional)]
    testid: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <form method="post" action=action class="space-y-4" novalidate>
            <FormMessage errors=errors/>
            {children()}
            <button type="submit" class=BUTTON data-testid=testid>{submit}</button>
        </form>
    }
}

/// The note that a form went through, when the page's query says so (`show`).
#[component]
pub(super) fn Notice(show: bool, testid: &'static str, children: Children) -> impl IntoView {
    show.then(|| view! { <p role="status" class=NOTICE data-testid=testid>{children()}</p> })
}

#[component]
pub fn SignIn() -> impl IntoView {
    let providers = Resource::new(
        || (),
        |_| async { oauth_providers().await.unwrap_or_default() },
    );
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let reset = move || query.read().get("reset").as_deref() == Some("1");
    form_page("login", "Sign in", "Sign in", move |flash| async move {
        let providers = providers.await;
        let errors = flash.errors;
        let next_page = next();
        view! {
            <Notice show=reset() testid="password-reset">"Your password is changed and every session was signed out. Sign in with the new password."</Notice>
            <PostForm action="/auth/login" errors=errors.clone() submit="Sign in">
                <input type="hidden" name="next" value=next_page/>
                <Field name="email" label="Email" kind="email" value=flash.email autocomplete="email" required=true errors=errors.clone()/>
                <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true errors=errors.clone()/>
            </PostForm>
            <p class="mt-2 text-sm">
                <a href="/forgot-password" class="text-indigo-700 underline" data-testid="forgot-link">"Forgot your password?"</a>
            </p>
            {(!providers.is_empty()).then(|| view! {
                <div class="mt-6 space-y-2 border-t border-slate-200 pt-4">
                    {providers.into_iter().map(|p| view! {
                        <a href=format!("/auth/oauth/{}/start", p.id)
                           data-testid=format!("oauth-{}", p.id)
                           class="block w-full rounded-md border border-slate-300 px-4 py-2 text-center font-medium text-slate-700 hover:border-indigo-400">
                            "Continue with " {p.label}
                        </a>
                    }).collect_view()}
                </div>
            })}
            <p class="mt-4 text-sm text-slate-600">
                "No account yet? " <a href="/signup" class="text-indigo-700 underline">"Sign up"</a>
            </p>
        }
    })
}

#[component]
pub fn SignUp() -> impl IntoView {
    form_page(
        "signup",
        "Sign up",
        "Create your account",
        |flash| async move {
            let errors = flash.errors;
            view! {
                <PostForm action="/auth/signup" errors=errors.clone() submit="Sign up">
                    <Field name="name" label="Name (optional)" value=flash.name autocomplete="name" errors=errors.clone()/>
                    <Field name="email" label="Email" kind="email" value=flash.email autocomplete="email" required=true errors=errors.clone()/>
                    <Field name="password" label="Password (10 to 128 characters; a few uncommon words work well)" kind="password" autocomplete="new-password" required=true errors=errors.clone()/>
                </PostForm>
                <p class="mt-4 text-sm text-slate-600">
                    "Already have an account? " <a href="/login" class="text-indigo-700 underline">"Sign in"</a>
                </p>
            }
        },
    )
}
