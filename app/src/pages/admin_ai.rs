//! Admin view of the AI: the active model and prices, cost ceilings (editable), today's spend,
//! each provider's circuit breaker, and every model call with its full trace.

use crate::api::{ai_overview, call_statuses, list_traces, trace_detail, SetCeiling};
use crate::components::forms::ErrorNotice;
use crate::components::loaded::{loaded, loaded_with};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn AdminAi() -> impl IntoView {
    let set = ServerAction::<SetCeiling>::new();
    let status = Resource::new(move || set.version().get(), |_| ai_overview());
    let query = use_query_map();
    let filters = move || {
        let q = query.read();
        (
            q.get("interview").filter(|v| !v.is_empty()),
            q.get("status").filter(|v| !v.is_empty()),
        )
    };
    let traces = Resource::new(filters, |(interview, status)| {
        list_traces(interview, status)
    });
    // The status filter's choices come from the server's set (see `call_statuses`).
    let statuses = Resource::new(|| (), |_| call_statuses());
    view! {
        <Title text="AI · Rehearse"/>
        <h1 class="mb-4 text-2xl font-semibold">"AI: model, budgets and traces"</h1>
        {move || set.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice message=e.to_string()/> })}
        {loaded_with(status, || (), move |s| view! {
            <section class="rounded-lg border border-slate-200 bg-white p-5 text-sm" data-testid="ai-status">
                <p><strong>"Active model: "</strong>{s.provider.clone()} " / " {s.model.clone()} " · context " {s.context_window} " tokens"</p>
                <p>"Prices: " {format!("{:.2}", s.input_usd_per_mtok)} " USD in, " {format!("{:.2}", s.output_usd_per_mtok)} " USD out per million tokens"</p>
                <p>"Spent today: " <strong>{format!("{:.6}", s.spent_today_usd)} " USD"</strong></p>
                <div class="mt-3 grid gap-2 sm:grid-cols-3">
                    {s.ceilings.into_iter().map(|c| view! {
                        <ActionForm action=set attr:class="flex items-end gap-2">
                            <input type="hidden" name="scope" value=c.scope.clone()/>
                            <label class="block">
                                <span class="text-slate-600">{c.scope.replace('_', " ")} " ceiling (USD)"</span>
                                <input name="usd" type="number" step="0.01" min="0" value=c.limit_usd.to_string()
                                    class="mt-1 block w-28 rounded-md border border-slate-300 px-2 py-1"/>
                            </label>
                            <button type="submit" class="rounded-md bg-slate-800 px-2 py-1 text-white">"Set"</button>
                        </ActionForm>
                    }).collect_view()}
                </div>
                <h2 class="mt-4 font-semibold">"Providers"</h2>
                <p class="text-slate-600">"Closed: calls pass. Open: calls fail fast and the next provider of the chain answers. Half-open: the next call is a trial that closes or reopens it."</p>
                <table class="mt-2 w-full" data-testid="breakers">
                    <thead class="text-left text-slate-600"><tr>
                        <th class="py-1 pr-2">"Role"</th><th class="py-1 pr-2">"Model"</th><th class="py-1 pr-2">"Breaker"</th>
                        <th class="py-1 pr-2">"Failures in a row"</th><th class="py-1 pr-2">"Times opened"</th><th class="py-1 pr-2">"Last error"</th>
                    </tr></thead>
                    <tbody>
                        {s.breakers.into_iter().map(|b| view! {
                            <tr class="border-t border-slate-200" data-state=b.state.clone()>
                                <td class="py-1 pr-2">{b.role}</td>
                                <td class="py-1 pr-2">{b.provider} " / " {b.model}</td>
                                <td class="py-1 pr-2">{breaker_label(&b.state, b.retry_in_secs)}</td>
                                <td class="py-1 pr-2">{b.consecutive_failures}</td>
                                <td class="py-1 pr-2">{b.opened_count}</td>
                                <td class="py-1 pr-2 text-xs">{b.last_error.unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <h2 class="mt-4 font-semibold">"Live streaming"</h2>
                <p data-testid="live">{live_line(&s.live)}</p>
                <h2 class="mt-4 font-semibold">"Caches"</h2>
                <p class="text-slate-600">"Bounded, since the server started. A deleted job description's entries are dropped."</p>
                <table class="mt-2 w-full" data-testid="caches">
                    <thead class="text-left text-slate-600"><tr>
                        <th class="py-1 pr-2">"Cache"</th><th class="py-1 pr-2">"Entries"</th><th class="py-1 pr-2">"Hits"</th>
                        <th class="py-1 pr-2">"Misses"</th><th class="py-1 pr-2">"Hit rate"</th>
                    </tr></thead>
                    <tbody>
                        {s.caches.into_iter().map(|c| view! {
                            <tr class="border-t border-slate-200">
                                <td class="py-1 pr-2">{c.name}</td>
                                <td class="py-1 pr-2">{c.entries}</td>
                                <td class="py-1 pr-2">{c.hits}</td>
                                <td class="py-1 pr-2">{c.misses}</td>
                                <td class="py-1 pr-2">{format!("{:.0} %", c.hit_rate * 100.0)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }.into_any())}
        {loaded_with(statuses, || (), move |statuses| view! {
            <form method="get" action="/admin/ai" class="mt-6 flex items-end gap-2 text-sm">
                <label class="block"><span class="text-slate-600">"Interview id"</span>
                    <input name="interview" class="mt-1 block rounded-md border border-slate-300 px-2 py-1"/></label>
                <label class="block"><span class="text-slate-600">"Status"</span>
                    <select name="status" class="mt-1 block rounded-md border border-slate-300 px-2 py-1">
                        <option value="">"Any"</option>
                        {statuses.into_iter().map(|s| {
                            let label = s.clone();
                            view! { <option value=s>{label}</option> }
                        }).collect_view()}
                    </select></label>
                <button type="submit" class="rounded-md bg-slate-800 px-2 py-1 text-white">"Filter"</button>
            </form>
        }.into_any())}
        {loaded(traces, move |rows| view! {
            <table class="mt-3 w-full rounded-lg border border-slate-200 bg-white text-sm" data-testid="traces">
                <thead class="bg-slate-100 text-left text-slate-600"><tr>
                    <th class="px-2 py-2">"When"</th><th class="px-2 py-2">"Step"</th><th class="px-2 py-2">"Model"</th>
                    <th class="px-2 py-2">"Status"</th><th class="px-2 py-2">"TTFT / total ms"</th>
                    <th class="px-2 py-2">"Tokens in / out"</th><th class="px-2 py-2">"Cost USD"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|t| view! {
                        <tr class="border-t border-slate-200">
                            <td class="px-2 py-2"><a class="text-indigo-700 underline" href=format!("/admin/ai/{}", t.id)>{t.started_at}</a></td>
                            <td class="px-2 py-2">{t.step}</td>
                            <td class="px-2 py-2">{t.provider} " / " {t.model}</td>
                            <td class="px-2 py-2">{t.status}</td>
                            <td class="px-2 py-2">{t.ttft_ms.map(|v| v.to_string()).unwrap_or_default()} " / " {t.latency_ms.map(|v| v.to_string()).unwrap_or_default()}</td>
                            <td class="px-2 py-2">{t.prompt_tokens} " / " {t.completion_tokens}</td>
                            <td class="px-2 py-2">{format!("{:.6}", t.cost_usd)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any())}
    }
}

#[component]
pub fn AdminTrace() -> impl IntoView {
    let params = use_params_map();
    let trace = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        trace_detail,
    );
    view! {
        <Title text="Trace · Rehearse"/>
        {loaded(trace, move |t| view! {
            <h1 class="text-2xl font-semibold">"Model call " <span class="font-mono text-base">{t.row.id.clone()}</span></h1>
            <dl class="mt-4 grid grid-cols-4 gap-2 rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="trace">
                <dt>"Status"</dt><dd>{t.row.status.clone()}</dd>
                <dt>"Step"</dt><dd>{t.row.step.clone()}</dd>
                <dt>"Model"</dt><dd>{t.row.provider.clone()} " / " {t.row.model.clone()}</dd>
                <dt>"Prompt version"</dt><dd>{t.prompt_version.clone().unwrap_or_default()}</dd>
                <dt>"Interview"</dt><dd>{t.row.interview_id.clone().unwrap_or_default()}</dd>
                <dt>"Context ids"</dt><dd>{t.context_ids.clone()}</dd>
                <dt>"TTFT / total"</dt><dd>{format!("{:?} / {:?} ms", t.row.ttft_ms, t.row.latency_ms)}</dd>
                <dt>"Tokens / cost"</dt><dd>{format!("{} in, {} out, {:.6} USD", t.row.prompt_tokens, t.row.completion_tokens, t.row.cost_usd)}</dd>
            </dl>
            {t.error.clone().map(|e| view! { <ErrorNotice message=e/> })}
            <h2 class="mt-4 font-semibold">"Provider attempts"</h2>
            <pre class="mt-1 overflow-x-auto rounded bg-white p-3 text-xs" data-testid="attempts">{t.attempts_json.clone()}</pre>
            <h2 class="mt-4 font-semibold">"Messages sent"</h2>
            <pre class="mt-1 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100">{t.request_json.clone()}</pre>
            <h2 class="mt-4 font-semibold">"Output"</h2>
            <pre class="mt-1 whitespace-pre-wrap rounded bg-white p-3 text-sm">{t.output.clone()}</pre>
            <h2 class="mt-4 font-semibold">"Tool calls / refused"</h2>
            <pre class="mt-1 rounded bg-white p-3 text-xs">{t.tool_calls_json.clone()} "\n" {t.refused_tools_json.clone()}</pre>
        }.into_any())}
    }
}

/// "2 event streams open; 1 interview held in memory", in words that read naturally at 0 and 1.
fn live_line(live: &rehearse_types::LiveView) -> String {
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{} open; {} held in memory.",
        plural(live.open_streams, "event stream", "event streams"),
        plural(live.interviews_held, "interview", "interviews"),
    )
}

/// A breaker's state in words: `open` says when the next trial call goes through.
fn breaker_label(state: &str, retry_in_secs: Option<u64>) -> String {
    match (state, retry_in_secs) {
        ("open", Some(secs)) => format!("open (trial in {secs} s)"),
        ("half_open", _) => "half-open".to_owned(),
        (other, _) => other.to_owned(),
    }
}
