//! `/account/sessions`: every browser signed in to the account, with when it signed in, when
//! it was last used, its network and when it ends by itself; a button to end each one, and one
//! to sign out everywhere else. Any signed-in role has this page (the page guard), and its
//! server functions act only on the caller's own sessions.

use crate::api::{list_my_sessions, RevokeOtherSessions, RevokeSession};
use crate::components::forms::{ErrorNotice, IdSubmit};
use crate::components::layout::PageHeader;
use crate::components::loaded::loaded;
use leptos::prelude::*;

#[component]
pub fn AccountSessions() -> impl IntoView {
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let sessions = Resource::new(
        move || (revoke.version().get(), revoke_others.version().get()),
        |_| list_my_sessions(),
    );
    view! {
        <PageHeader title="Your sessions" heading="Where you are signed in">
            "Every browser signed in to your account. If you do not recognise one, end it and change your password. "
            "A session also ends by itself after a while unused, and a fixed time after signing in however much it is used."
        </PageHeader>
        {move || revoke.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice message=e.to_string()/> })}
        {move || revoke_others.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice message=e.to_string()/> })}
        {loaded(sessions, move |list| {
            let others = list.iter().filter(|s| !s.this_device).count();
            view! {
                <div>
                <table class="w-full rounded-lg border border-slate-200 bg-white text-sm" data-testid="sessions">
                    <thead class="bg-slate-100 text-left text-slate-600"><tr>
                        <th class="p-2">"Browser"</th><th class="p-2">"Network"</th>
                        <th class="p-2">"Signed in"</th><th class="p-2">"Last used"</th>
                        <th class="p-2">"Ends"</th><th class="p-2"></th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|s| {
                            let id = s.id.clone();
                            let this_device = s.this_device;
                            view! {
                                <tr class="border-t border-slate-200 align-top" data-testid="session">
                                    <td class="p-2">
                                        <span title=s.user_agent.clone()>{s.device.clone()}</span>
                                        {this_device.then(|| view! {
                                            <span class="ml-2 rounded-full bg-emerald-100 px-2 text-xs text-emerald-800" data-testid="this-device">"This device"</span>
                                        })}
                                    </td>
                                    <td class="p-2 font-mono text-xs">{s.network.clone()}</td>
                                    <td class="p-2">{s.created_at.clone()}</td>
                                    <td class="p-2">{s.last_seen_at.clone()}</td>
                                    <td class="p-2">{s.ends_at.clone()}</td>
                                    <td class="p-2">{(!this_device).then(|| view! {
                                        <ActionForm action=revoke><IdSubmit id=id class="rounded-md border border-slate-300 px-2 py-1 text-slate-700 hover:border-red-400 hover:text-red-700" testid="revoke-session">"End"</IdSubmit></ActionForm>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {(others > 0).then(|| view! {
                    <div class="mt-4">
                        <ActionForm action=revoke_others>
                            <button type="submit" class="rounded-md bg-slate-800 px-3 py-1.5 text-white hover:bg-red-700" data-testid="revoke-others">"Sign out everywhere else"</button>
                        </ActionForm>
                    </div>
                })}
                </div>
            }.into_any()
        })}
    }
}
