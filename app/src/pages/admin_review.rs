//! Review metrics (admins): the queue's depth and oldest item, how long reviewers take to
//! decide, what they decide per flag reason (as a chart and a table), and how often the
//! automatic check agreed with them.

use crate::api::review_metrics;
use crate::components::chart::ReviewOutcomesChart;
use crate::components::layout::PageHeader;
use crate::components::loaded::loaded;
use leptos::prelude::*;
use rehearse_types::{duration_words, ReasonMetricsView};

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".to_owned(), |s| format!("{:.0}%", s * 100.0))
}

fn duration(ms: Option<i64>) -> String {
    ms.map_or_else(|| "–".to_owned(), duration_words)
}

#[component]
pub fn AdminReviewMetrics() -> impl IntoView {
    let metrics = Resource::new(|| (), |_| review_metrics());
    view! {
        <PageHeader title="Review metrics" heading="Review metrics">"From every decision stored. A held answer approved unchanged was a false alarm of the automatic check; one edited or rejected was a true catch. Expired items (nobody decided before the deadline) count in the outcomes but not in agreement or time to decision. An answer held for several reasons counts under each."</PageHeader>
        {loaded(metrics, move |m| {
            let mut rows = m.by_reason.clone();
            rows.push(m.overall.clone());
            view! {
                <section class="space-y-6" data-testid="review-metrics">
                    <dl class="grid gap-3 sm:grid-cols-4">
                        <Figure label="Waiting for review" value=m.pending.to_string() testid="metric-pending"/>
                        <Figure label="Oldest waiting" value=duration(m.oldest_pending_ms) testid="metric-oldest"/>
                        <Figure label="Time to decision, median" value=duration(m.decision_p50_ms) testid="metric-p50"/>
                        <Figure label="Time to decision, 90th percentile" value=duration(m.decision_p90_ms) testid="metric-p90"/>
                    </dl>
                    <div>
                        <h2 class="mb-2 font-semibold">"Outcomes per flag reason"</h2>
                        {if m.by_reason.is_empty() {
                            view! { <p class="text-sm text-slate-600">"No answer has been held yet."</p> }.into_any()
                        } else {
                            view! { <ReviewOutcomesChart reasons=m.by_reason.clone()/> }.into_any()
                        }}
                    </div>
                    <table class="w-full rounded-lg border border-slate-200 bg-white text-sm" data-testid="review-metrics-table">
                        <thead class="bg-slate-100 text-left text-slate-600"><tr>
                            <th class="p-2">"Reason"</th><th class="p-2">"Waiting"</th>
                            <th class="p-2">"Approved"</th><th class="p-2">"Edited"</th>
                            <th class="p-2">"Rejected"</th><th class="p-2">"Expired"</th>
                            <th class="p-2">"False alarms"</th><th class="p-2">"True catches"</th>
                            <th class="p-2">"Check agreed"</th>
                        </tr></thead>
                        <tbody>{rows.into_iter().map(|r| view! { <ReasonRow r=r/> }).collect_view()}</tbody>
                    </table>
                </section>
            }.into_any()
        })}
    }
}

#[component]
fn Figure(label: &'static str, value: String, testid: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-3">
            <dt class="text-xs text-slate-500">{label}</dt>
            <dd class="text-lg font-semibold" data-testid=testid>{value}</dd>
        </div>
    }
}

#[component]
fn ReasonRow(r: ReasonMetricsView) -> impl IntoView {
    let overall = r.reason.is_empty();
    let cell = |n: u64, share: Option<f64>| format!("{n} ({})", percent(share));
    let class = if overall {
        "border-t border-slate-300 font-semibold"
    } else {
        "border-t border-slate-200"
    };
    view! {
        <tr class=class data-testid="reason-metrics" data-reason=r.reason.clone()>
            <td class="p-2">{r.label.clone()}</td>
            <td class="p-2">{r.pending}</td>
            <td class="p-2">{cell(r.approved, r.approve_rate)}</td>
            <td class="p-2">{cell(r.edited, r.edit_rate)}</td>
            <td class="p-2">{cell(r.rejected, r.reject_rate)}</td>
            <td class="p-2">{cell(r.expired, r.expire_rate)}</td>
            <td class="p-2">{r.false_alarms}</td>
            <td class="p-2">{r.true_catches}</td>
            <td class="p-2">{percent(r.agreement)}</td>
        </tr>
    }
}
