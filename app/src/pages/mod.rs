mod admin_ai;
mod admin_audit;
mod admin_jds;
mod admin_prompts;
mod admin_users;
mod auth;
mod home;
mod interview;
mod landing;

pub use admin_ai::{AdminAi, AdminTrace};
pub use admin_audit::AdminAudit;
pub use admin_jds::{AdminJd, AdminJds};
pub use admin_prompts::AdminPrompts;
pub use admin_users::AdminUsers;
pub use auth::{SignIn, SignUp};
pub use home::CandidateHome;
pub use interview::InterviewPage;
pub use landing::{Landing, NotFound};
