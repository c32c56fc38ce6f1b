pub mod auth;
pub mod health;
mod negotiate;
mod oauth;
