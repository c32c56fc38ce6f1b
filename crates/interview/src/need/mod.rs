//! What a requirement asks for, read from the shape it is written in, so that the questions
//! built around it read as English whatever that shape is. Job descriptions state requirements
//! as verb phrases ("Design PostgreSQL schemas"), noun phrases ("Strong Go or Rust; Python for
//! tooling"), years of experience ("5+ years operating distributed systems"), "nice to have"
//! extras and bare lists of technologies; a single frame such as "The role asks you to …" fits
//! only the first. [`Need::read`] sorts the line into a [`Shape`] and keeps its core, and the
//! renderers put that core where it fits.
//!
//! The work is split by responsibility: `shape` decides what a line is, `phrase` holds the
//! lead-ins and renders a read need as English, and `words` keeps the word lists and text helpers
//! both share. This module is the entry point: it holds [`Need`] and re-exports the rest of what
//! is public, so paths such as `need::Shape` and `need::join_list` are unchanged.

mod phrase;
mod shape;
mod words;

pub use shape::Shape;
pub use words::{join_list, lower_common};

/// A requirement, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub shape: Shape,
    /// The words that carry the need, shaped for the frames of [`Need::object`] and
    /// [`Need::about`]: a verb phrase in the base form for [`Shape::Action`], what the experience
    /// is in ("building services in Rust", "with Kafka") for [`Shape::Experience`], a noun phrase
    /// otherwise.
    pub core: String,
    /// "5+ years", when the requirement states a length of experience.
    pub years: Option<String>,
    /// Marked as a plus rather than required ("nice to have", "bonus", "preferred").
    pub optional: bool,
}
