//! The reviewer's pages: the queue of held answers (oldest first, with filters and each item's
//! age) and one item, where a reviewer claims it, then approves, edits or rejects it; a decided
//! item shows the reviewer's edit as a diff. Forms post to server functions, so the pages work
//! without JavaScript too.

use crate::api::{review_item, review_queue, ApproveReview, ClaimReview, EditReview, RejectReview};
use crate::components::forms::{ErrorNotice, IdSubmit};
use crate::components::layout::PageHeader;
use crate::components::loaded::loaded;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};
use rehearse_types::{Change, ReviewTrace, HOLD_REASONS};

#[component]
pub fn ReviewQueue() -> impl IntoView {
    let query = use_query_map();
    let reason = move || query.read().get("reason").filter(|r| !r.is_empty());
    let role = move || query.read().get("role").filter(|r| !r.is_empty());
    let items = Resource::new(
        move || (reason(), role()),
        |(reason, role)| review_queue(reason, role),
    );
    // The roles with something in the queue, for the job-description filter.
    let roles = Resource::new(
        || (),
        |_| async move {
            let mut roles: Vec<(String, String)> = review_queue(None, None)
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|r| (r.role, r.role_title))
                .collect();
            roles.sort();
            roles.dedup();
            roles
        },
    );
    view! {
        <PageHeader title="Review" heading="Answers waiting for review">"Candidates see these answers only after you approve or edit them. Rejected answers are replaced by a note that the job description cannot confirm it."</PageHeader>
        // New items appear without a click: the queue reloads itself every few seconds.
        <Meta http_equiv="refresh" content="5"/>
        <form method="get" action="/review" class="mb-4 flex items-center gap-2 text-sm">
            <label for="reason" class="text-slate-600">"Reason"</label>
            <select id="reason" name="reason" class="rounded-md border border-slate-300 px-2 py-1">
                <option value="">"All"</option>
                {HOLD_REASONS.iter().map(|(key, label)| {
                    let selected = move || reason().as_deref() == Some(*key);
                    view! { <option value=*key selected=selected>{*label}</option> }
                }).collect_view()}
            </select>
            <label for="role" class="text-slate-600">"Job description"</label>
            <select id="role" name="role" class="rounded-md border border-slate-300 px-2 py-1" data-testid="role-filter">
                <option value="">"All"</option>
                <Suspense>
                    {move || Suspend::new(async move {
                        roles.await.into_iter().map(|(slug, title)| {
                            let selected = role().as_deref() == Some(slug.as_str());
                            view! { <option value=slug selected=selected>{title}</option> }
                        }).collect_view()
                    })}
                </Suspense>
            </select>
            <button type="submit" class="rounded-md bg-slate-800 px-2 py-1 text-white">"Filter"</button>
        </form>
        {loaded(items, move |list| {
            if list.is_empty() {
                return view! { <p class="text-slate-600" data-testid="queue-empty">"Nothing is waiting for review."</p> }.into_any();
            }
            view! {
                <ul class="space-y-2" data-testid="review-queue">
                    {list.into_iter().map(|r| view! {
                        <li class="rounded-lg border border-slate-200 bg-white p-3" data-testid="review-item">
                            <a class="font-medium text-indigo-700 underline" href=format!("/review/{}", r.id)>{r.question.clone()}</a>
                            <p class="text-sm text-slate-600">{r.role_title} " · waiting " {r.age}
                                {(r.state == "expired").then_some(" · deadline passed, the candidate got the fallback")}
                                {r.claimed_by_other.then_some(" · another reviewer is on it")}
                                {r.claimed_by_me.then_some(" · claimed by you")}</p>
                            <p class="text-xs text-amber-700">{r.reasons.join("; ")}</p>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        })}
    }
}

#[component]
pub fn ReviewItemPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let claim = ServerAction::<ClaimReview>::new();
    let approve = ServerAction::<ApproveReview>::new();
    let edit = ServerAction::<EditReview>::new();
    let reject = ServerAction::<RejectReview>::new();
    let detail = Resource::new(
        move || {
            (
                id(),
                claim.version().get(),
                approve.version().get(),
                edit.version().get(),
                reject.version().get(),
            )
        },
        |(id, ..)| review_item(id),
    );
    let error = move || {
        [
            claim.value().get(),
            approve.value().get(),
            edit.value().get(),
            reject.value().get(),
        ]
        .into_iter()
        .flatten()
        .find_map(|r| r.err())
    };
    view! {
        <Title text="Review an answer · Rehearse"/>
        <p class="mb-4 text-sm"><a class="text-indigo-700 underline" href="/review">"Back to the queue"</a></p>
        {move || error().map(|e| view! { <ErrorNotice message=e.to_string()/> })}
        {loaded(detail, move |d| {
            let waiting = d.row.state == "waiting";
            let mine = d.row.claimed_by_me;
            let (id_claim, id_approve, id_edit, id_reject) = (d.row.id.clone(), d.row.id.clone(), d.row.id.clone(), d.row.id.clone());
            let held = d.held_text.clone();
            view! {
                <article class="space-y-4" data-testid="review-detail">
                    <section>
                        <h1 class="text-xl font-semibold">"The candidate asked"</h1>
                        <p class="mt-1 rounded-md bg-indigo-50 px-3 py-2" data-testid="review-question">{d.row.question.clone()}</p>
                        <p class="mt-1 text-sm text-slate-500">{d.row.role_title.clone()} " · waiting " {d.row.age.clone()}
                            {d.deadline.clone().map(|t| format!(" · the candidate gets the fallback at {t}"))}</p>
                    </section>
                    <section>
                        <h2 class="font-semibold">"Why it was held"</h2>
                        <ul class="list-disc pl-5 text-amber-800" data-testid="review-reasons">{d.row.reasons.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}</ul>
                    </section>
                    <section>
                        <h2 class="font-semibold">"The answer as written"</h2>
                        <p class="mt-1 whitespace-pre-wrap rounded-md border border-slate-200 bg-white px-3 py-2" data-testid="held-text">{held.clone()}</p>
                    </section>
                    <section>
                        <h2 class="font-semibold">"Passages it cites"</h2>
                        {if d.passages.is_empty() {
                            view! { <p class="text-sm text-slate-500">"None."</p> }.into_any()
                        } else {
                            view! { <ol class="space-y-1 text-sm">{d.passages.iter().map(|p| view! {
                                <li><strong>"[" {p.marker} "]"</strong> " " <em>{p.section.clone()}</em> ": " {p.text.clone()}</li>
                            }).collect_view()}</ol> }.into_any()
                        }}
                    </section>
                    {d.trace.clone().map(|t| view! { <TraceSection trace=t/> })}
                    {d.decided.clone().map(|t| view! { <p class="rounded-md bg-slate-100 px-3 py-2" data-testid="review-outcome">"Decided (" {d.row.state.clone()} "): " {t}</p> })}
                    {(!d.edit.is_empty()).then(|| view! {
                        <section>
                            <h2 class="font-semibold">"What the reviewer changed"</h2>
                            <p class="mt-1 whitespace-pre-wrap rounded-md border border-slate-200 bg-white px-3 py-2" data-testid="review-diff">
                                {d.edit.iter().map(|piece| {
                                    let text = piece.text.clone();
                                    match piece.change {
                                        Change::Kept => view! { <span>{text}</span> }.into_any(),
                                        Change::Removed => view! { <del class="bg-red-50 text-red-700">{text}</del> }.into_any(),
                                        Change::Added => view! { <ins class="bg-emerald-50 text-emerald-800 no-underline">{text}</ins> }.into_any(),
                                    }
                                }).collect_view()}
                            </p>
                        </section>
                    })}
                    {(waiting && !mine).then(|| view! {
                        <ActionForm action=claim>
                            <input type="hidden" name="id" value=id_claim/>
                            <button type="submit" class="rounded-md bg-slate-800 px-3 py-2 text-white" data-testid="claim">
                                {if d.row.claimed_by_other { "Take over (another reviewer's claim may be live)" } else { "Claim to decide" }}
                            </button>
                        </ActionForm>
                    })}
                    {(waiting && mine).then(|| view! {
                        <div class="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
                            <ActionForm action=approve>
                                <IdSubmit id=id_approve class="rounded-md bg-emerald-600 px-3 py-2 text-white" testid="approve">"Approve as written"</IdSubmit>
                            </ActionForm>
                            <ActionForm action=edit attr:class="space-y-2">
                                <input type="hidden" name="id" value=id_edit/>
                                <label class="block text-sm font-medium" for="edit-text">"Or edit, then approve"</label>
                                <textarea id="edit-text" name="text" rows="4" maxlength="4000" class="w-full rounded-md border border-slate-300 px-3 py-2" data-testid="edit-text">{held.clone()}</textarea>
                                <button type="submit" class="rounded-md bg-indigo-600 px-3 py-2 text-white" data-testid="edit-approve">"Approve my edit"</button>
                            </ActionForm>
                            <ActionForm action=reject attr:class="space-y-2">
                                <input type="hidden" name="id" value=id_reject/>
                                <label class="block text-sm font-medium" for="reject-reason">"Or reject: why?"</label>
                                <input id="reject-reason" name="reason" required maxlength="1000" class="w-full rounded-md border border-slate-300 px-3 py-2" data-testid="reject-reason"/>
                                <button type="submit" class="rounded-md bg-red-600 px-3 py-2 text-white" data-testid="reject">"Reject"</button>
                            </ActionForm>
                        </div>
                    })}
                </article>
            }.into_any()
        })}
    }
}

/// What produced the held answer: the chunks retrieval weighed, with their scores, or the
/// conversation with the model; admins can open the whole trace.
#[component]
fn TraceSection(trace: ReviewTrace) -> impl IntoView {
    let href = format!("/admin/ai/{}", trace.id);
    let timing = trace
        .latency_ms
        .map(|ms| format!(" · {ms} ms"))
        .unwrap_or_default();
    let cost = if trace.cost_usd > 0.0 {
        format!(" · ${:.4}", trace.cost_usd)
    } else {
        String::new()
    };
    let score = |v: Option<f32>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "–".into());
    view! {
        <section data-testid="review-trace">
            <h2 class="font-semibold">"How it was made"</h2>
            <p class="text-sm text-slate-600">{trace.made_by.clone()} {timing} {cost}
                {trace.full_trace.then(|| view! { " · " <a class="text-indigo-700 underline" href=href>"full trace"</a> })}
            </p>
            {(!trace.chunks.is_empty()).then(|| view! {
                <table class="mt-2 w-full text-left text-sm">
                    <thead><tr class="text-slate-500"><th>"Section"</th><th>"Cosine"</th><th>"BM25"</th><th>"Score"</th><th>"Used"</th></tr></thead>
                    <tbody>{trace.chunks.iter().map(|c| view! {
                        <tr class="border-t border-slate-100">
                            <td class="py-1 pr-2">{c.section.clone()}</td>
                            <td>{score(c.cosine)}</td>
                            <td>{score(c.bm25)}</td>
                            <td>{format!("{:.2}", c.rerank)}</td>
                            <td>{rehearse_types::chunk_use(c.passed, c.second_look, c.reason.as_deref())}</td>
                        </tr>
                    }).collect_view()}</tbody>
                </table>
            })}
            {(!trace.messages.is_empty()).then(|| view! {
                <ol class="mt-2 space-y-1 text-sm">{trace.messages.iter().map(|m| view! {
                    <li><strong>{m.role.clone()} ": "</strong><span class="whitespace-pre-wrap">{m.content.clone()}</span></li>
                }).collect_view()}</ol>
            })}
        </section>
    }
}
