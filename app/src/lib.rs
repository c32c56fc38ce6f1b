//! The Rehearse web application: pages, components and server functions.
//!
//! With the `ssr` feature this crate also holds [`server`], the context server functions run
//! in (database, accounts, the access check); without it (the browser build) none of that is
//! compiled.

pub mod api;
mod components;
#[cfg(feature = "hydrate")]
mod live;
mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use components::layout::Layout;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Marks the page once hydrated: browser tests wait for it before relying on client code.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    // Pages wait for their data before the first byte is sent (SsrMode::Async), so a refused
    // request gets its 401/403 status instead of a 200 with an error inside.
    view! {
        <Stylesheet id="leptos" href="/pkg/rehearse.css"/>
        <Title text="Rehearse"/>
        <Router>
            <Layout>
                <Routes fallback=|| view! { <pages::NotFound/> }>
                    <Route path=path!("") view=pages::Landing ssr=SsrMode::Async/>
                    <Route path=path!("login") view=pages::SignIn ssr=SsrMode::Async/>
                    <Route path=path!("signup") view=pages::SignUp ssr=SsrMode::Async/>
                    <Route path=path!("check-email") view=pages::CheckEmail ssr=SsrMode::Async/>
                    <Route path=path!("verify-email") view=pages::VerifyEmail ssr=SsrMode::Async/>
                    <Route path=path!("forgot-password") view=pages::ForgotPassword ssr=SsrMode::Async/>
                    <Route path=path!("reset-password") view=pages::ResetPassword ssr=SsrMode::Async/>
                    <Route path=path!("account/password") view=pages::AccountPassword ssr=SsrMode::Async/>
                    <Route path=path!("home") view=pages::CandidateHome ssr=SsrMode::Async/>
                    <Route path=path!("account/sessions") view=pages::AccountSessions ssr=SsrMode::Async/>
                    <Route path=path!("account/data") view=pages::AccountData ssr=SsrMode::Async/>
                    <Route path=path!("interviews/:id") view=pages::InterviewPage ssr=SsrMode::Async/>
                    <Route path=path!("admin/users") view=pages::AdminUsers ssr=SsrMode::Async/>
                    <Route path=path!("admin/audit") view=pages::AdminAudit ssr=SsrMode::Async/>
                    <Route path=path!("admin/ai") view=pages::AdminAi ssr=SsrMode::Async/>
                    <Route path=path!("admin/prompts") view=pages::AdminPrompts ssr=SsrMode::Async/>
                    <Route path=path!("admin/jds") view=pages::AdminJds ssr=SsrMode::Async/>
                    <Route path=path!("admin/jobs") view=pages::AdminJobs ssr=SsrMode::Async/>
                    <Route path=path!("admin/review") view=pages::AdminReviewMetrics ssr=SsrMode::Async/>
                    <Route path=path!("review") view=pages::ReviewQueue ssr=SsrMode::Async/>
                    <Route path=path!("review/:id") view=pages::ReviewItemPage ssr=SsrMode::Async/>
                    <Route path=path!("admin/jds/:id") view=pages::AdminJd ssr=SsrMode::Async/>
                    <Route path=path!("admin/ai/:id") view=pages::AdminTrace ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
