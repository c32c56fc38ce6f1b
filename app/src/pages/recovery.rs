//! The pages of the mailed-link flows: "check your email" after sign-up, confirming an address,
//! asking for a password reset, choosing the new password, and (signed in) changing the
//! password. All are plain HTML forms posting to `/auth/*`, so they work without JavaScript; a
//! failed submission comes back with its errors in the session, like sign-in.

use super::auth::{flash_resource, BUTTON, CARD};
use crate::components::forms::{Field, FormMessage};
use crate::components::layout::use_user;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const NOTICE: &str =
    "mb-4 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800";
const LINK: &str = "text-indigo-700 underline";

/// The `token` query parameter: the link's secret, carried into the form as a hidden field.
fn token() -> impl Fn() -> String + Copy {
    let query = use_query_map();
    move || query.read().get("token").unwrap_or_default()
}

/// Whether the query has `name=1` (the confirmation that a form went through).
fn flag(name: &'static str) -> impl Fn() -> bool + Copy {
    let query = use_query_map();
    move || query.read().get(name).as_deref() == Some("1")
}

/// After sign-up, for a new address and a taken one alike.
#[component]
pub fn CheckEmail() -> impl IntoView {
    view! {
        <Title text="Check your email · Rehearse"/>
        <div class=CARD data-testid="check-email">
            <h1 class="mb-4 text-2xl font-semibold">"Check your email"</h1>
            <p class="text-slate-700">
                "If this address is new to us, we sent it a link to confirm it. You can sign in and practise now, and confirm the address when the mail arrives."
            </p>
            <p class="mt-2 text-slate-700">
                "If the address already has an account, we sent its owner a note instead."
            </p>
            <p class="mt-4 text-sm text-slate-600">
                <a href="/login" class=LINK>"Sign in"</a>
            </p>
        </div>
    }
}

/// The link in the confirmation mail lands here: the password (or a session of the account)
/// completes it, so a link mailed because someone else signed up with this address cannot
/// confirm their account.
#[component]
pub fn VerifyEmail() -> impl IntoView {
    let flash = flash_resource("verify");
    let token = token();
    view! {
        <Title text="Confirm your email address · Rehearse"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let flash = flash.await;
                let errors = flash.errors.clone();
                view! {
                    <div class=CARD>
                        <h1 class="mb-4 text-2xl font-semibold">"Confirm your email address"</h1>
                        <p class="mb-4 text-sm text-slate-600">
                            "Enter the password of the account to confirm its address (not needed if you are signed in to it)."
                        </p>
                        <form method="post" action="/auth/verify" class="space-y-4" novalidate>
                            <FormMessage errors=errors.clone()/>
                            <input type="hidden" name="token" value=token()/>
                            <Field name="password" label="Password" kind="password" autocomplete="current-password" errors=errors.clone()/>
                            <button type="submit" class=BUTTON data-testid="confirm-email">"Confirm"</button>
                        </form>
                        <p class="mt-4 text-sm text-slate-600">
                            "Did not choose this password? " <a href="/forgot-password" class=LINK>"Reset it"</a>
                            " (that confirms the address too)."
                        </p>
                    </div>
                }
            })}
        </Suspense>
    }
}

/// "Forgot your password?": asks for the address; the answer is the same for every address.
#[component]
pub fn ForgotPassword() -> impl IntoView {
    let flash = flash_resource("forgot");
    let sent = flag("sent");
    view! {
        <Title text="Forgot your password · Rehearse"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let flash = flash.await;
                let errors = flash.errors.clone();
                view! {
                    <div class=CARD>
                        <h1 class="mb-4 text-2xl font-semibold">"Forgot your password?"</h1>
                        {sent().then(|| view! {
                            <p role="status" class=NOTICE data-testid="reset-sent">
                                "If an account uses this address, we sent it a link to choose a new password. The link works once and for a limited time."
                            </p>
                        })}
                        <form method="post" action="/auth/forgot" class="space-y-4" novalidate>
                            <FormMessage errors=errors.clone()/>
                            <Field name="email" label="Email" kind="email" value=flash.email.clone() autocomplete="email" required=true errors=errors.clone()/>
                            <button type="submit" class=BUTTON>"Email me a link"</button>
                        </form>
                        <p class="mt-4 text-sm text-slate-600">
                            <a href="/login" class=LINK>"Back to sign in"</a>
                        </p>
                    </div>
                }
            })}
        </Suspense>
    }
}

/// The link in the reset mail lands here.
#[component]
pub fn ResetPassword() -> impl IntoView {
    let flash = flash_resource("reset");
    let token = token();
    view! {
        <Title text="Choose a new password · Rehearse"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let flash = flash.await;
                let errors = flash.errors.clone();
                view! {
                    <div class=CARD>
                        <h1 class="mb-4 text-2xl font-semibold">"Choose a new password"</h1>
                        <p class="mb-4 text-sm text-slate-600">
                            "The account will be signed out everywhere; sign in again with the new password."
                        </p>
                        <form method="post" action="/auth/reset" class="space-y-4" novalidate>
                            <FormMessage errors=errors.clone()/>
                            <input type="hidden" name="token" value=token()/>
                            <Field name="password" label="New password (at least 10 characters)" kind="password" autocomplete="new-password" required=true errors=errors.clone()/>
                            <button type="submit" class=BUTTON>"Set the new password"</button>
                        </form>
                    </div>
                }
            })}
        </Suspense>
    }
}

/// The signed-in account's address (confirmed or not, with a way to get a new link) and the
/// password change form, which needs the current password and signs out every other session.
#[component]
pub fn AccountPassword() -> impl IntoView {
    let flash = flash_resource("password");
    let user = use_user();
    let changed = flag("changed");
    let resent = flag("resent");
    view! {
        <Title text="Password and email · Rehearse"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let flash = flash.await;
                let user = user.await;
                let errors = flash.errors.clone();
                view! {
                    <div class=CARD>
                        <h1 class="mb-4 text-2xl font-semibold">"Password and email"</h1>
                        {changed().then(|| view! {
                            <p role="status" class=NOTICE data-testid="password-changed">
                                "Your password is changed. Every other session of your account was signed out."
                            </p>
                        })}
                        {resent().then(|| view! {
                            <p role="status" class=NOTICE data-testid="link-resent">
                                "We sent a new confirmation link, unless we sent one moments ago."
                            </p>
                        })}
                        {user.map(|u| view! {
                            <p class="mb-4 text-sm text-slate-700" data-testid="account-email">
                                {u.email.clone()} " · "
                                {if u.email_verified { "confirmed" } else { "not confirmed yet" }}
                            </p>
                            {(!u.email_verified).then(|| view! {
                                <form method="post" action="/auth/verify/resend" class="mb-4">
                                    <button type="submit" class=LINK>"Send a new confirmation link"</button>
                                </form>
                            })}
                        })}
                        <h2 class="mb-2 text-lg font-semibold">"Change your password"</h2>
                        <form method="post" action="/auth/password" class="space-y-4" novalidate>
                            <FormMessage errors=errors.clone()/>
                            <Field name="current_password" label="Current password" kind="password" autocomplete="current-password" required=true errors=errors.clone()/>
                            <Field name="new_password" label="New password (at least 10 characters)" kind="password" autocomplete="new-password" required=true errors=errors.clone()/>
                            <button type="submit" class=BUTTON>"Change password"</button>
                        </form>
                    </div>
                }
            })}
        </Suspense>
    }
}
