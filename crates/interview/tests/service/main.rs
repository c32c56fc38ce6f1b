//! The interview service end to end with a scripted model, on SQLite and PostgreSQL: one test
//! binary, its scenarios in modules by what they cover.

#[path = "../common/mod.rs"]
mod common;

mod failures;
mod knowledge_faults;
mod phrasing;
mod prompts;
mod stop;
mod whole_interview;

/// How the built question on the Rust backend role's first requirement begins: what is asked
/// when no phrasing of the model's is kept.
const BUILT_RUST_QUESTION: &str = "The role asks you to write safe, fast asynchronous services";
