use crate::api::{list_roles, my_interviews, StartInterview};
use crate::components::api_error::ApiErrorNotice;
use crate::components::chart::ScoreChart;
use crate::components::forms::ErrorNotice;
use crate::components::layout::use_user;
use leptos::prelude::*;
use leptos_meta::Title;

/// The candidate's start page: start an interview, see past ones and the score trend.
#[component]
pub fn CandidateHome() -> impl IntoView {
    let user = use_user();
    let start = ServerAction::<StartInterview>::new();
    let roles = Resource::new(|| (), |_| list_roles());
    let history = Resource::new(move || start.version().get(), |_| my_interviews());
    // Open the new interview with a full page load, so its page starts its own live stream.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(Ok(id)) = start.value().get() {
            let _ = window().location().set_href(&format!("/interviews/{id}"));
        }
    });
    view! {
        <Title text="Home · Rehearse"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    None => view! { <ErrorNotice message="Sign in to continue.".to_owned()/> }.into_any(),
                    Some(user) => view! {
                        <h1 class="text-2xl font-semibold" data-testid="home-title">"Welcome, " {user.display_name.clone()}</h1>
                        <p class="mt-1 text-sm text-slate-500">{user.email.clone()} " · " <span data-testid="home-role">{user.role.label()}</span></p>
                    }.into_any(),
                }
            })}
        </Suspense>
        <section class="mt-8 rounded-lg border border-slate-200 bg-white p-5">
            <h2 class="text-lg font-semibold">"Start an interview"</h2>
            {move || start.value().get().and_then(|r| r.err()).map(|e| view! { <ApiErrorNotice error=e/> })}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let roles = roles.await.unwrap_or_default();
                    view! {
                        <ActionForm action=start attr:class="mt-3 grid gap-3 sm:grid-cols-4 sm:items-end">
                            <label class="block sm:col-span-2">
                                <span class="text-sm text-slate-600">"Role"</span>
                                <select name="role" class="mt-1 block w-full rounded-md border border-slate-300 px-2 py-2">
                                    {roles.into_iter().map(|r| view! { <option value=r.slug title=r.summary>{r.title}</option> }).collect_view()}
                                </select>
                            </label>
                            <label class="block">
                                <span class="text-sm text-slate-600">"Type"</span>
                                <select name="kind" class="mt-1 block w-full rounded-md border border-slate-300 px-2 py-2">
                                    <option value="technical">"Technical"</option>
                                    <option value="system_design">"System design"</option>
                                    <option value="behavioural">"Behavioural"</option>
                                </select>
                            </label>
                            <label class="block">
                                <span class="text-sm text-slate-600">"Difficulty"</span>
                                <select name="difficulty" class="mt-1 block w-full rounded-md border border-slate-300 px-2 py-2">
                                    <option value="junior">"Junior"</option>
                                    <option value="mid" selected>"Mid"</option>
                                    <option value="senior">"Senior"</option>
                                </select>
                            </label>
                            <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500 sm:col-span-4 sm:justify-self-start" data-testid="start-interview">"Start"</button>
                        </ActionForm>
                    }
                })}
            </Suspense>
        </section>
        <section class="mt-8">
            <h2 class="text-lg font-semibold">"Your interviews"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match history.await {
                        Err(e) => view! { <ErrorNotice message=e.to_string()/> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="mt-2 text-slate-600">"No interviews yet."</p> }.into_any(),
                        Ok(list) => {
                            // Oldest first, left to right.
                            let mut points: Vec<(String, f32)> =
                                list.iter().filter_map(|i| i.overall.map(|o| (i.started_at.clone(), o))).collect();
                            points.reverse();
                            view! {
                                {(!points.is_empty()).then(|| view! { <div class="mt-3"><ScoreChart points=points/></div> })}
                                <table class="mt-4 w-full rounded-lg border border-slate-200 bg-white text-sm" data-testid="history">
                                    <thead class="bg-slate-100 text-left text-slate-600"><tr>
                                        <th class="px-3 py-2">"Started"</th><th class="px-3 py-2">"Role"</th><th class="px-3 py-2">"Type"</th>
                                        <th class="px-3 py-2">"Status"</th><th class="px-3 py-2">"Score"</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|i| view! {
                                            <tr class="border-t border-slate-200">
                                                <td class="px-3 py-2 text-slate-500"><a class="text-indigo-700 underline" href=format!("/interviews/{}", i.id)>{i.started_at}</a></td>
                                                <td class="px-3 py-2">{i.role_title}</td>
                                                <td class="px-3 py-2">{i.kind}</td>
                                                <td class="px-3 py-2">{i.status}</td>
                                                <td class="px-3 py-2">{i.overall.map(|o| format!("{o:.1} / 5")).unwrap_or_default()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
