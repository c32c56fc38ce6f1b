pub mod auth;
pub mod health;
pub mod interviews;
mod negotiate;
mod oauth;
