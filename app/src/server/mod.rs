//! Server-side context for server functions and the axum routes beside them (`ssr` only).

pub mod client_ip;
pub mod errors;
pub mod flash;
pub mod guard;
pub mod interviews;
pub mod knowledge;
pub mod ops;
pub mod prompts;
pub mod review;
pub mod session_keys;
pub mod state;
pub mod views;
