//! Black-box tests: each starts the real server on a random port with a fresh database (SQLite
//! file or PostgreSQL database) and speaks HTTP to it. Scenarios written with `both_backends!`
//! run against SQLite and PostgreSQL.

mod support;

mod accounts;
mod audit;
mod data_rights;
mod email;
mod headers;
mod health;
mod interviews;
mod knowledge;
mod limits;
mod oauth;
mod recovery;
mod report_review;
mod review;
mod review_policy;
mod roles;
mod sample_roles;
mod security;
mod sends;
mod sessions;
mod signup_limits;
mod ssr;
mod user_sessions;
