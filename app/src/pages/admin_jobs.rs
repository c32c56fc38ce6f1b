//! Background jobs that failed: dead letters (no more automatic tries) and jobs waiting for
//! their next try, with the last error. A dead letter can be queued again; that is audited.

use crate::api::{list_failed_jobs, RequeueJob};
use crate::components::forms::{ErrorNotice, IdSubmit};
use crate::components::layout::PageHeader;
use crate::components::loaded::loaded;
use leptos::prelude::*;

#[component]
pub fn AdminJobs() -> impl IntoView {
    let requeue = ServerAction::<RequeueJob>::new();
    let jobs = Resource::new(move || requeue.version().get(), |_| list_failed_jobs());
    view! {
        <PageHeader title="Failed jobs" heading="Failed jobs">"Background work that failed. Jobs are retried by themselves with growing pauses; after five tries a job stops and waits here until you queue it again."</PageHeader>
        {move || requeue.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice message=e.to_string()/> })}
        {loaded(jobs, move |list| {
            if list.is_empty() {
                return view! { <p class="text-slate-600" data-testid="no-failed-jobs">"No failed jobs."</p> }.into_any();
            }
            view! {
                <table class="w-full rounded-lg border border-slate-200 bg-white text-sm" data-testid="failed-jobs">
                    <thead class="bg-slate-100 text-left text-slate-600"><tr>
                        <th class="p-2">"Job"</th><th class="p-2">"State"</th><th class="p-2">"Tries"</th>
                        <th class="p-2">"Last error"</th><th class="p-2">"When"</th><th class="p-2"></th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|j| {
                            let id = j.id.clone();
                            view! {
                                <tr class="border-t border-slate-200 align-top" data-testid="failed-job">
                                    <td class="p-2">{j.what}</td>
                                    <td class="p-2">{if j.dead { "Stopped" } else { "Will retry" }}</td>
                                    <td class="p-2">{j.attempts}</td>
                                    <td class="p-2 font-mono text-xs">{j.last_error}</td>
                                    <td class="p-2">{j.updated_at}</td>
                                    <td class="p-2">{j.dead.then(|| view! { <ActionForm action=requeue><IdSubmit id=id class="rounded-md bg-slate-800 px-2 py-1 text-white" testid="requeue">"Queue again"</IdSubmit></ActionForm> })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        })}
    }
}
