pub mod auth;
mod form_post;
pub mod health;
pub mod interviews;
pub mod knowledge;
mod negotiate;
mod oauth;
mod recovery;
