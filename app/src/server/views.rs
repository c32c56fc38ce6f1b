//! Conversions from stored records to the types sent to the browser.

use rehearse_db::{format_ms, AuditEvent, User};
use rehearse_types::{AuditEventView, UserView};

pub fn user_view(user: User, sign_in_methods: Vec<String>) -> UserView {
    UserView {
        id: user.id,
        email: user.email,
        display_name: user.display_name,
        role: user.role,
        created_at: format_ms(user.created_at),
        sign_in_methods,
        email_verified: user.email_verified,
    }
}

pub fn audit_view(event: AuditEvent) -> AuditEventView {
    let detail = event.detail_with_repeats();
    AuditEventView {
        id: event.id,
        at: format_ms(event.at),
        kind: event.kind.as_str().to_owned(),
        actor_email: event.actor_email,
        subject_email: event.subject_email,
        ip: event.ip,
        detail,
    }
}
