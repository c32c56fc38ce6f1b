//! OpenID Connect sign-in against a real provider process (npm `oidc-provider`, started per
//! test from `end2end/oidc/provider.mjs`): the full authorization-code + PKCE flow, linking by
//! verified email (which takes an unverified local account away from whoever registered it, and
//! never reaches a staff account), bootstrap admins by verified email, and refusal of wrong
//! states, replayed callbacks, replayed codes and ID tokens MACed with the client secret.

use crate::support::TestApp;

mod provider;

mod linking;
mod refusals;
mod sign_in;

/// Asserts how many accounts and how many provider identities the database holds.
async fn assert_accounts(app: &TestApp, users: i64, identities: i64) {
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users").await,
        users,
        "accounts"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM oauth_identities").await,
        identities,
        "provider identities"
    );
}
