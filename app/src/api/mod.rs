//! Server functions: the browser's typed API. Each body is one access check and one call into
//! the domain crates, then a conversion into a wire type.

mod account_data;
mod admin;
mod error;
mod interviews;
mod knowledge;
mod ops;
mod prompts;
mod review;
mod session;
mod user_sessions;

pub use account_data::*;
pub use admin::*;
pub use error::ApiError;
pub use interviews::*;
pub use knowledge::*;
pub use ops::*;
pub use prompts::*;
pub use review::*;
pub use session::*;
pub use user_sessions::*;
