use crate::api::{list_roles, my_interviews, StartInterview};
use crate::components::api_error::ApiErrorNotice;
use crate::components::chart::{ScoreChart, Sparkline};
use crate::components::forms::ErrorNotice;
use crate::components::layout::use_user;
use crate::components::loaded::loaded_with;
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
            {loaded_with(history, || (), move |list| {
                if list.is_empty() {
                    return view! { <p class="mt-2 text-slate-600">"No interviews yet."</p> }.into_any();
                }
                // Oldest first, left to right.
                let mut points: Vec<(String, f32)> =
                    list.iter().filter_map(|i| i.overall.map(|o| (i.started_at.clone(), o))).collect();
                points.reverse();
                view! {
                    {(!points.is_empty()).then(|| view! { <div class="mt-3"><ScoreChart points=points/></div> })}
                    <CompetencyProgress history=list.clone() start=start/>
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
                                    <td class="px-3 py-2">{i.kind.label()}</td>
                                    <td class="px-3 py-2" data-status=i.status.as_str()>{i.status.label()}</td>
                                    <td class="px-3 py-2">{i.overall.map(|o| format!("{o:.1} / 5")).unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </section>
    }
}

/// One competency's scores across the candidate's interviews, oldest first, and the role of
/// the newest interview that asked about it.
struct Progress {
    competency: String,
    scores: Vec<f32>,
    role_slug: String,
}

/// Each competency across the candidate's interviews (`history` is newest first).
fn progress(history: &[rehearse_types::InterviewSummary]) -> Vec<Progress> {
    let mut out: Vec<Progress> = Vec::new();
    for i in history.iter().rev() {
        for c in &i.competencies {
            match out.iter_mut().find(|p| p.competency == c.competency) {
                Some(p) => {
                    p.scores.push(c.score);
                    p.role_slug = i.role_slug.clone();
                }
                None => out.push(Progress {
                    competency: c.competency.clone(),
                    scores: vec![c.score],
                    role_slug: i.role_slug.clone(),
                }),
            }
        }
    }
    out.sort_by(|a, b| a.competency.cmp(&b.competency));
    out
}

/// Progress per competency, and a button to practise the weakest one: an interview that asks
/// only about it.
#[component]
fn CompetencyProgress(
    history: Vec<rehearse_types::InterviewSummary>,
    start: ServerAction<StartInterview>,
) -> impl IntoView {
    let rows = progress(&history);
    if rows.is_empty() {
        return ().into_any();
    }
    let weakest = rows
        .iter()
        .min_by(|a, b| {
            let last = |p: &Progress| p.scores.last().copied().unwrap_or(5.0);
            last(a).total_cmp(&last(b))
        })
        .map(|p| (p.competency.clone(), p.role_slug.clone()));
    view! {
        <section class="mt-6 rounded-lg border border-slate-200 bg-white p-4" data-testid="competency-progress">
            <h3 class="font-semibold">"By competency"</h3>
            <table class="mt-2 w-full text-sm">
                <thead class="text-left text-slate-600"><tr><th class="py-1">"Competency"</th><th class="py-1">"Over time"</th><th class="py-1">"Latest"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|p| {
                        let latest = p.scores.last().copied().unwrap_or_default();
                        view! {
                            <tr class="border-t border-slate-200" data-testid="competency-row">
                                <td class="py-1 pr-3">{p.competency.clone()}</td>
                                <td class="py-1 pr-3"><Sparkline label=p.competency.clone() scores=p.scores.clone()/></td>
                                <td class="py-1 tabular-nums">{format!("{latest:.1} / 5")}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {weakest.map(|(competency, role)| view! {
                <ActionForm action=start attr:class="mt-3">
                    <input type="hidden" name="role" value=role/>
                    <input type="hidden" name="kind" value="technical"/>
                    <input type="hidden" name="difficulty" value="mid"/>
                    <input type="hidden" name="focus" value=competency.clone()/>
                    <button type="submit" class="rounded-md border border-indigo-300 px-3 py-1 text-indigo-700 hover:bg-indigo-50" data-testid="practise-weakest">
                        {format!("Practise {competency}, your weakest")}
                    </button>
                </ActionForm>
            })}
        </section>
    }
    .into_any()
}
