use crate::api::{change_role, list_users, ChangeRole};
use crate::components::forms::ErrorNotice;
use crate::components::loaded::loaded;
use leptos::prelude::*;
use leptos_meta::Title;
use rehearse_types::{Role, UserView};

/// Admins see every account and change roles. Each row is its own form, so it works before
/// (and without) hydration.
#[component]
pub fn AdminUsers() -> impl IntoView {
    let change = ServerAction::<ChangeRole>::new();
    let users = Resource::new(move || change.version().get(), |_| list_users());
    let _ = change_role; // the action above is this server function
    view! {
        <Title text="Users · Rehearse"/>
        <h1 class="mb-4 text-2xl font-semibold">"Users"</h1>
        {move || change.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice message=e.to_string()/> })}
        {loaded(users, move |list| view! {
            <table class="w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-sm">
                <thead class="bg-slate-100 text-left text-slate-600">
                    <tr>
                        <th class="px-3 py-2">"Name"</th>
                        <th class="px-3 py-2">"Email"</th>
                        <th class="px-3 py-2">"Signs in with"</th>
                        <th class="px-3 py-2">"Joined"</th>
                        <th class="px-3 py-2">"Role"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|u| view! { <UserRow user=u action=change/> }).collect_view()}
                </tbody>
            </table>
        }.into_any())}
    }
}

#[component]
fn UserRow(user: UserView, action: ServerAction<ChangeRole>) -> impl IntoView {
    let current = user.role;
    let testid = format!("user-{}", user.email);
    view! {
        <tr class="border-t border-slate-200" data-testid=testid>
            <td class="px-3 py-2">{user.display_name.clone()}</td>
            <td class="px-3 py-2">
                {user.email.clone()}
                {(!user.email_verified).then(|| view! {
                    <span class="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-800" data-testid="unconfirmed">"unconfirmed"</span>
                })}
            </td>
            <td class="px-3 py-2 text-slate-500">{user.sign_in_methods.join(", ")}</td>
            <td class="px-3 py-2 text-slate-500">{user.created_at.clone()}</td>
            <td class="px-3 py-2">
                <ActionForm action=action attr:class="flex items-center gap-2">
                    <input type="hidden" name="user_id" value=user.id.clone()/>
                    <select name="role" class="rounded-md border border-slate-300 px-2 py-1" aria-label="Role" data-current=current.as_str()>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r == current>{r.label()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="rounded-md bg-slate-800 px-2 py-1 text-white hover:bg-slate-700">"Save"</button>
                </ActionForm>
            </td>
        </tr>
    }
}
