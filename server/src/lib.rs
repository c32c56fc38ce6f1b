//! The Rehearse server: the composition root ([`startup`]), the HTTP layers and routes, and the
//! command-line subcommands. Integration tests drive it through [`startup::Application`].

pub mod cli;
pub mod csrf;
pub mod mail;
pub mod models;
pub mod page_guard;
pub mod recovery;
pub mod report_pdf;
pub mod routes;
pub mod security_headers;
pub mod startup;
pub mod telemetry;
