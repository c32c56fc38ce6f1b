//! Names of the values kept in the server-side session. One place, so the sign-in routes and
//! the server functions can never disagree.

/// The signed-in account's id.
pub const USER_ID: &str = "uid";
/// The account's session epoch when this session was signed in. When the account's epoch has
/// moved on since (its sessions were ended), the session no longer signs anyone in.
pub const SESSION_EPOCH: &str = "epoch";
/// The session's tracking id: its row in `user_sessions`, which lists it to its owner and
/// carries its absolute lifetime (see `rehearse_auth::user_sessions`). Never sent in a cookie.
pub const TRACKING_ID: &str = "tracking_id";
/// The errors of the last failed form submission ([`rehearse_types::FormFlash`]).
pub const FORM_FLASH: &str = "form_flash";
/// The OAuth flow in progress ([`rehearse_auth::oauth::PendingFlow`]).
pub const OAUTH_FLOW: &str = "oauth_flow";
/// Where to go after signing in.
pub const AFTER_SIGN_IN: &str = "after_sign_in";
