//! Who someone is and what they may do.
//!
//! - [`password`]: argon2id hashing (on a blocking thread) and the password rules.
//! - [`email`]: parsing an email address into its normalised form.
//! - [`throttle`]: sign-in attempt limits per account and per client IP.
//! - [`accounts`]: sign-up, sign-in, external sign-in with linking by verified email, role
//!   changes; each writes its audit event in the same transaction as its change.
//! - [`oauth`]: the OAuth2 / OpenID Connect authorization-code flows (PKCE, state, nonce).
//! - [`policy`]: the single access decision used by every route and server function.

pub mod accounts;
pub mod email;
pub mod oauth;
pub mod password;
pub mod policy;
pub mod throttle;

pub use accounts::{
    Accounts, ExternalIdentity, ExternalSignInError, RoleChangeError, SignInError, SignUpError,
};
pub use policy::{AccessError, Actor};
