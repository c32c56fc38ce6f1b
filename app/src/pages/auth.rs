//! Sign-in and sign-up. Both are plain HTML forms posting to `/auth/*` routes, so they work
//! with JavaScript disabled; a failed submission redirects back here with its errors in the
//! session (post-redirect-get), which these pages read and clear.

use crate::api::{oauth_providers, take_form_flash};
use crate::components::forms::{Field, FormMessage};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use rehearse_types::FormFlash;

pub(super) fn flash_resource(form: &'static str) -> Resource<FormFlash> {
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

pub(super) const BUTTON: &str =
    "w-full rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500";
pub(super) const CARD: &str =
    "mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm";

#[component]
pub fn SignIn() -> impl IntoView {
    let flash = flash_resource("login");
    let providers = Resource::new(
        || (),
        |_| async { oauth_providers().await.unwrap_or_default() },
    );
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let reset = move || query.read().get("reset").as_deref() == Some("1");
    view! {
        <Title text="Sign in · Rehearse"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let flash = flash.await;
                let providers = providers.await;
                let errors = flash.errors.clone();
                view! {
                    <div class=CARD>
                        <h1 class="mb-4 text-2xl font-semibold">"Sign in"</h1>
                        {reset().then(|| view! {
                            <p role="status" class="mb-4 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800" data-testid="password-reset">
                                "Your password is changed and every session was signed out. Sign in with the new password."
                            </p>
                        })}
                        <form method="post" action="/auth/login" class="space-y-4" novalidate>
                            <FormMessage errors=errors.clone()/>
                            <input type="hidden" name="next" value=next()/>
                            <Field name="email" label="Email" kind="email" value=flash.email.clone() autocomplete="email" required=true errors=errors.clone()/>
                            <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true errors=errors.clone()/>
                            <button type="submit" class=BUTTON>"Sign in"</button>
                        </form>
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
                    </div>
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn SignUp() -> impl IntoView {
    let flash = flash_resource("signup");
    view! {
        <Title text="Sign up · Rehearse"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let flash = flash.await;
                let errors = flash.errors.clone();
                view! {
                    <div class=CARD>
                        <h1 class="mb-4 text-2xl font-semibold">"Create your account"</h1>
                        <form method="post" action="/auth/signup" class="space-y-4" novalidate>
                            <FormMessage errors=errors.clone()/>
                            <Field name="name" label="Name (optional)" value=flash.name.clone() autocomplete="name" errors=errors.clone()/>
                            <Field name="email" label="Email" kind="email" value=flash.email.clone() autocomplete="email" required=true errors=errors.clone()/>
                            <Field name="password" label="Password (10 to 128 characters; a few uncommon words work well)" kind="password" autocomplete="new-password" required=true errors=errors.clone()/>
                            <button type="submit" class=BUTTON>"Sign up"</button>
                        </form>
                        <p class="mt-4 text-sm text-slate-600">
                            "Already have an account? " <a href="/login" class="text-indigo-700 underline">"Sign in"</a>
                        </p>
                    </div>
                }
            })}
        </Suspense>
    }
}
