//! The interview, decided by structure, phrased by the model.
//!
//! - [`roles`]: the sample roles and the roles read from uploaded job descriptions, with the
//!   requirements every question and every score points back to.
//! - [`role_source`]: the narrow seams to the knowledge base (where roles come from, who
//!   answers questions about them), implemented by it in [`kb_roles`].
//! - [`flow`]: the state machine. A pure function decides what happens after each candidate
//!   message: a follow-up, the next main question, the candidate's own questions, wrap-up, the
//!   report. The model never decides the flow.
//! - [`need`]: what a requirement asks for, read from the shape it is written in, so
//!   questions read as English for verb phrases, noun phrases, years and lists alike.
//! - [`declines`]: whether a reply declines to say more ("nothing to add").
//! - [`questions`]: questions built from requirements; the model may rephrase one, and the
//!   rephrasing is kept only if it passes checks, else the built question is used as is.
//! - [`scoring`]: 1-5 per requirement from checkable evidence in the candidate's own words,
//!   quoted verbatim.

pub mod declines;
pub mod faults;
pub mod flow;
pub mod kb_roles;
pub mod live;
pub mod memory;
pub mod need;
pub mod prompts;
pub mod questions;
pub mod review;
pub mod review_metrics;
pub mod role_source;
pub mod roles;
pub mod scoring;
pub mod screen;
pub mod sensitive;
pub mod service;
pub mod store;
pub mod textdiff;
pub mod verdict;
