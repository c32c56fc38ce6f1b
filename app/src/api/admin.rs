use super::ApiError;
use leptos::prelude::*;
use rehearse_types::{AuditPage, Role, UserView};

/// Every account, for the admin users page.
#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserView>, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    let users = ctx.state.accounts.users().list().await?;
    Ok(users
        .into_iter()
        .map(|(u, methods)| crate::server::views::user_view(u, methods))
        .collect())
}

/// Changes an account's role (admins only). Refuses to remove the last admin.
#[server(endpoint = "change_role")]
pub async fn change_role(user_id: String, role: Role) -> Result<UserView, ApiError> {
    use rehearse_auth::RoleChangeError;
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    let user = ctx
        .state
        .accounts
        .change_role(&ctx.actor, &user_id, role, ctx.ip)
        .await
        .map_err(|e| match e {
            RoleChangeError::NotFound => crate::server::errors::status(ApiError::NotFound),
            RoleChangeError::LastAdmin => crate::server::errors::status(ApiError::Invalid(
                "This is the last admin; make someone else an admin first.".into(),
            )),
            RoleChangeError::Unverified => crate::server::errors::status(ApiError::Invalid(
                "This account has not confirmed its email address yet. Reviewers and admins \
                 need a confirmed address: ask them to use the link we emailed them."
                    .into(),
            )),
            RoleChangeError::Db(e) => ApiError::from(e),
        })?;
    Ok(crate::server::views::user_view(user, Vec::new()))
}

/// Every kind of event the audit log records, as `list_audit` takes them, for its filter: read
/// from the server's own set, so the page never offers a kind the log refuses or misses one.
#[server(endpoint = "audit_kinds")]
pub async fn audit_kinds() -> Result<Vec<String>, ApiError> {
    crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    Ok(rehearse_db::AuditKind::spellings())
}

/// One page (50 events, newest first) of the audit log, optionally of one kind.
#[server(endpoint = "list_audit")]
pub async fn list_audit(kind: Option<String>, page: u32) -> Result<AuditPage, ApiError> {
    const PAGE: i64 = 50;
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    let kind = match kind.filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(rehearse_db::AuditKind::parse(&k).ok_or_else(|| {
            crate::server::errors::status(ApiError::Invalid("Unknown event kind.".into()))
        })?),
    };
    let offset = i64::from(page.min(100_000)) * PAGE;
    let mut events = ctx
        .state
        .accounts
        .audit()
        .list(kind, PAGE + 1, offset)
        .await?;
    let has_more = events.len() as i64 > PAGE;
    events.truncate(PAGE as usize);
    Ok(AuditPage {
        events: events
            .into_iter()
            .map(crate::server::views::audit_view)
            .collect(),
        page,
        has_more,
    })
}
