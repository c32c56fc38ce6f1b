use crate::components::forms::ErrorNotice;
use crate::components::layout::use_user;
use leptos::prelude::*;
use leptos_meta::Title;

/// The candidate's start page (every signed-in role has one).
#[component]
pub fn CandidateHome() -> impl IntoView {
    let user = use_user();
    view! {
        <Title text="Home · Rehearse"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    None => view! { <ErrorNotice message="Sign in to continue.".to_owned()/> }.into_any(),
                    Some(user) => view! {
                        <h1 class="text-2xl font-semibold" data-testid="home-title">"Welcome, " {user.display_name.clone()}</h1>
                        <dl class="mt-6 grid max-w-lg grid-cols-3 gap-y-2 rounded-lg border border-slate-200 bg-white p-5 text-sm">
                            <dt class="text-slate-500">"Email"</dt><dd class="col-span-2">{user.email.clone()}</dd>
                            <dt class="text-slate-500">"Role"</dt><dd class="col-span-2" data-testid="home-role">{user.role.label()}</dd>
                        </dl>
                        <p class="mt-6 text-slate-600">"Interviews will be listed here once you have held one."</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
