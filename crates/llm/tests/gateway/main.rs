//! The choke point under a scripted model: iteration limits, ceilings, timeouts, the tool
//! allow-list, cancellation and traces, on SQLite and PostgreSQL. One test binary, its scenarios
//! in modules by what they cover; the gateway they call, with its limits, ceilings and call
//! context, is in `fixture`.

mod fixture;

mod agent_tools;
mod ceilings;
mod timeouts;
mod traces;
