//! Server-side context for server functions and the axum routes beside them (`ssr` only).

pub mod account_data;
pub mod client_ip;
pub mod errors;
pub mod filters;
pub mod flash;
pub mod guard;
pub mod interview_views;
pub mod interviews;
pub mod knowledge;
pub mod limits;
pub mod markdown;
pub mod ops;
pub mod prompts;
pub mod review;
pub mod review_metrics;
pub mod session_keys;
pub mod signup_limits;
pub mod state;
pub mod user_sessions;
pub mod views;
