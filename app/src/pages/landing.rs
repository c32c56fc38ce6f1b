use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Landing() -> impl IntoView {
    view! {
        <Title text="Rehearse: practise backend interviews"/>
        <section class="py-12 text-center">
            <h1 class="text-4xl font-bold tracking-tight text-slate-900">"Practise the backend interview before it counts."</h1>
            <p class="mx-auto mt-4 max-w-2xl text-lg text-slate-600">
                "Rehearse runs mock interviews for a real job description: questions grounded in the role, "
                "follow-ups on your answers, cited answers to your questions, and written feedback scored "
                "against the role's requirements."
            </p>
            <div class="mt-8 flex justify-center gap-3">
                <a href="/signup" class="rounded-md bg-indigo-600 px-5 py-2.5 font-medium text-white hover:bg-indigo-500">"Create an account"</a>
                <a href="/login" class="rounded-md border border-slate-300 bg-white px-5 py-2.5 font-medium text-slate-700 hover:border-indigo-400">"Sign in"</a>
            </div>
        </section>
        <section class="grid gap-4 sm:grid-cols-3">
            <Feature title="Candidates" text="Pick a role, practise with an AI interviewer, read your feedback."/>
            <Feature title="Reviewers" text="Approve, edit or reject flagged answers before a candidate sees them."/>
            <Feature title="Admins" text="Manage job descriptions, users, prompts, budgets and providers."/>
        </section>
    }
}

#[component]
fn Feature(title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-5">
            <h2 class="font-semibold text-slate-900">{title}</h2>
            <p class="mt-1 text-sm text-slate-600">{text}</p>
        </div>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            options.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Not found · Rehearse"/>
        <h1 class="text-2xl font-semibold">"Page not found"</h1>
        <p class="mt-2 text-slate-600"><a class="text-indigo-700 underline" href="/">"Back to the start"</a></p>
    }
}
