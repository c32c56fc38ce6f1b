//! Who someone is and what they may do.
//!
//! - [`password`]: argon2id hashing (on a blocking thread) and the password rules (length,
//!   zxcvbn strength, not the email or the product's name).
//! - [`email`]: parsing an email address into its normalised form.
//! - [`throttle`]: sign-in attempt limits per account and per client IP, sign-up attempt
//!   limits per client IP (IPv6 by /64).
//! - [`accounts`]: sign-up, sign-in, external sign-in with linking by verified email, role
//!   changes; each writes its audit event in the same transaction as its change.
//! - [`oauth`]: the OAuth2 / OpenID Connect authorization-code flows (PKCE, state, nonce).
//! - [`policy`]: the single access decision used by every route and server function.
//! - [`verify`]: confirming an address, resetting a forgotten password, changing a password,
//!   the notice when someone signs up with a taken address; [`links`]: the single-use link
//!   secrets they mail; [`outbox`]: the `send_mail` jobs and their worker; [`mail`]: SMTP
//!   delivery (lettre), or the log when no SMTP server is configured.
//! - [`user_sessions`]: each account's signed-in sessions (listing, ending one) and their
//!   absolute lifetime.

pub mod accounts;
pub mod email;
pub mod links;
pub mod mail;
pub mod oauth;
pub mod outbox;
pub mod password;
pub mod policy;
pub mod throttle;
pub mod user_sessions;
pub mod verify;

pub use accounts::{
    Accounts, ExternalIdentity, ExternalSignInError, RoleChangeError, SignInError, SignUpError,
};
pub use policy::{AccessError, Actor};
