use crate::Role;
use serde::{Deserialize, Serialize};

/// The signed-in person as the UI needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// For reviewers and admins: how many held answers wait for a decision.
    #[serde(default)]
    pub review_queue: Option<i64>,
    /// Whether the account's email address is confirmed (unconfirmed accounts see a banner).
    #[serde(default)]
    pub email_verified: bool,
}

/// A row of the admin users page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: String,
    pub sign_in_methods: Vec<String>,
    /// Whether the email address is confirmed (only confirmed accounts can be made staff).
    #[serde(default)]
    pub email_verified: bool,
}

/// A row of the admin audit page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventView {
    pub id: i64,
    pub at: String,
    pub kind: String,
    pub actor_email: Option<String>,
    pub subject_email: Option<String>,
    pub ip: Option<String>,
    pub detail: String,
}

/// An OAuth / OpenID Connect provider offered on the sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthProviderView {
    pub id: String,
    pub label: String,
}

/// A failed form submission carried across the post-redirect-get round trip, so sign-in and
/// sign-up work as plain HTML forms (no JavaScript) and still show the server's field errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFlash {
    /// Which form this belongs to ("login", "signup").
    pub form: String,
    pub errors: crate::FormErrors,
    /// The email typed in, to refill the field (never the password).
    pub email: String,
    /// The name typed in (sign-up), to refill the field.
    pub name: String,
}

/// One page of the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEventView>,
    pub page: u32,
    pub has_more: bool,
}
