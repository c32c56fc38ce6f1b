use crate::api::{audit_kinds, list_audit};
use crate::components::loaded::{loaded, loaded_with};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The audit log, newest first, filterable by event kind. The filter is a GET form, so it works
/// without JavaScript too.
#[component]
pub fn AdminAudit() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        let kind = q.get("kind").filter(|k| !k.is_empty());
        let page = q
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0);
        (kind, page)
    };
    let events = Resource::new(params, |(kind, page)| list_audit(kind, page));
    // The filter's kinds come from the server's set (see `audit_kinds`).
    let kinds = Resource::new(|| (), |_| audit_kinds());
    view! {
        <Title text="Audit log · Rehearse"/>
        <h1 class="mb-4 text-2xl font-semibold">"Audit log"</h1>
        {loaded_with(kinds, || (), move |kinds| view! {
            <form method="get" action="/admin/audit" class="mb-4 flex items-center gap-2 text-sm">
                <label for="kind" class="text-slate-600">"Event"</label>
                <select id="kind" name="kind" class="rounded-md border border-slate-300 px-2 py-1">
                    <option value="">"All"</option>
                    {kinds.into_iter().map(|k| {
                        let selected = {
                            let k = k.clone();
                            move || params().0.as_deref() == Some(k.as_str())
                        };
                        let label = k.clone();
                        view! { <option value=k selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
                <button type="submit" class="rounded-md bg-slate-800 px-2 py-1 text-white">"Filter"</button>
            </form>
        }.into_any())}
        {loaded(events, move |page| {
            let kind = params().0.unwrap_or_default();
            let next = page.has_more.then(|| format!("/admin/audit?kind={kind}&page={}", page.page + 1));
            let prev = (page.page > 0).then(|| format!("/admin/audit?kind={kind}&page={}", page.page - 1));
            view! {
                <table class="w-full rounded-lg border border-slate-200 bg-white text-sm" data-testid="audit-table">
                    <thead class="bg-slate-100 text-left text-slate-600">
                        <tr>
                            <th class="px-3 py-2">"When"</th>
                            <th class="px-3 py-2">"Event"</th>
                            <th class="px-3 py-2">"Actor"</th>
                            <th class="px-3 py-2">"Subject"</th>
                            <th class="px-3 py-2">"IP"</th>
                            <th class="px-3 py-2">"Detail"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {page.events.into_iter().map(|e| view! {
                            <tr class="border-t border-slate-200">
                                <td class="px-3 py-2 whitespace-nowrap text-slate-500">{e.at}</td>
                                <td class="px-3 py-2 font-mono">{e.kind}</td>
                                <td class="px-3 py-2">{e.actor_email.unwrap_or_default()}</td>
                                <td class="px-3 py-2">{e.subject_email.unwrap_or_default()}</td>
                                <td class="px-3 py-2 text-slate-500">{e.ip.unwrap_or_default()}</td>
                                <td class="px-3 py-2">{e.detail}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <div class="mt-3 flex gap-4 text-sm">
                    {prev.map(|href| view! { <a class="text-indigo-700 underline" href=href>"Newer"</a> })}
                    {next.map(|href| view! { <a class="text-indigo-700 underline" href=href>"Older"</a> })}
                </div>
            }.into_any()
        })}
    }
}
