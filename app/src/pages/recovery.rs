//! The pages of the mailed-link flows: "check your email" after sign-up, confirming an address,
//! asking for a password reset, choosing the new password, and (signed in) changing the
//! password. All are plain HTML forms posting to `/auth/*`, so they work without JavaScript; a
//! failed submission comes back with its errors in the session, like sign-in.

use super::auth::{form_page, Notice, PostForm, CARD};
use crate::components::forms::Field;
use crate::components::layout::use_user;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use rehearse_types::FormErrors;

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

/// A page a mailed link lands on: `heading` (the tab's title too) with `intro` under it, then
/// what `body` makes of the form's errors and the link's secret (a form that carries the secret
/// on). Confirming an address and choosing a new password are such pages.
fn link_page<V: IntoView + 'static>(
    form: &'static str,
    heading: &'static str,
    intro: &'static str,
    body: impl Fn(FormErrors, String) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let token = token();
    form_page(form, heading, heading, move |flash| {
        let content = body(flash.errors, token());
        async move {
            view! {
                <p class="mb-4 text-sm text-slate-600">{intro}</p>
                {content}
            }
        }
    })
}

/// The link in the confirmation mail lands here: the password (or a session of the account)
/// completes it, so a link mailed because someone else signed up with this address cannot
/// confirm their account.
#[component]
pub fn VerifyEmail() -> impl IntoView {
    let intro = "Enter the password of the account to confirm its address (not needed if you are signed in to it).";
    link_page(
        "verify",
        "Confirm your email address",
        intro,
        |errors, secret| {
            view! {
                <PostForm action="/auth/verify" errors=errors.clone() submit="Confirm" testid="confirm-email">
                    <input type="hidden" name="token" value=secret/>
                    <Field name="password" label="Password" kind="password" autocomplete="current-password" errors=errors.clone()/>
                </PostForm>
                <p class="mt-4 text-sm text-slate-600">
                    "Did not choose this password? " <a href="/forgot-password" class=LINK>"Reset it"</a>
                    " (that confirms the address too)."
                </p>
            }
        },
    )
}

/// "Forgot your password?": asks for the address; the answer is the same for every address.
#[component]
pub fn ForgotPassword() -> impl IntoView {
    let sent = flag("sent");
    form_page(
        "forgot",
        "Forgot your password",
        "Forgot your password?",
        move |flash| async move {
            let errors = flash.errors;
            view! {
                <Notice show=sent() testid="reset-sent">"If an account uses this address, we sent it a link to choose a new password. The link works once and for a limited time."</Notice>
                <PostForm action="/auth/forgot" errors=errors.clone() submit="Email me a link">
                    <Field name="email" label="Email" kind="email" value=flash.email autocomplete="email" required=true errors=errors.clone()/>
                </PostForm>
                <p class="mt-4 text-sm text-slate-600">
                    <a href="/login" class=LINK>"Back to sign in"</a>
                </p>
            }
        },
    )
}

/// The link in the reset mail lands here.
#[component]
pub fn ResetPassword() -> impl IntoView {
    let intro = "The account will be signed out everywhere; sign in again with the new password.";
    link_page("reset", "Choose a new password", intro, |errors, secret| {
        view! {
            <PostForm action="/auth/reset" errors=errors.clone() submit="Set the new password">
                <input type="hidden" name="token" value=secret/>
                <Field name="password" label="New password (at least 10 characters)" kind="password" autocomplete="new-password" required=true errors=errors.clone()/>
            </PostForm>
        }
    })
}

/// The signed-in account's address (confirmed or not, with a way to get a new link) and the
/// password change form, which needs the current password and signs out every other session.
#[component]
pub fn AccountPassword() -> impl IntoView {
    let user = use_user();
    let changed = flag("changed");
    let resent = flag("resent");
    form_page(
        "password",
        "Password and email",
        "Password and email",
        move |flash| async move {
            let user = user.await;
            let errors = flash.errors;
            view! {
                <Notice show=changed() testid="password-changed">"Your password is changed. Every other session of your account was signed out."</Notice>
                <Notice show=resent() testid="link-resent">"We sent a new confirmation link, unless we sent one moments ago."</Notice>
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
                <PostForm action="/auth/password" errors=errors.clone() submit="Change password">
                    <Field name="current_password" label="Current password" kind="password" autocomplete="current-password" required=true errors=errors.clone()/>
                    <Field name="new_password" label="New password (at least 10 characters)" kind="password" autocomplete="new-password" required=true errors=errors.clone()/>
                </PostForm>
            }
        },
    )
}
