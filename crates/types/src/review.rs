//! What reviewers see of held answers.

use serde::{Deserialize, Serialize};

/// An item of the review queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRow {
    pub id: String,
    pub role_title: String,
    /// The candidate's question.
    pub question: String,
    /// Why it was held, in words.
    pub reasons: Vec<String>,
    /// `waiting` or `expired` (the candidate already got the fallback).
    pub state: String,
    /// How long it has waited, in words ("4 minutes").
    pub age: String,
    pub claimed_by_me: bool,
    pub claimed_by_other: bool,
}

/// A passage of the job description the held answer cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewPassage {
    pub marker: usize,
    pub section: String,
    pub text: String,
}

/// One item in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDetail {
    pub row: ReviewRow,
    pub held_text: String,
    pub passages: Vec<ReviewPassage>,
    /// When the candidate gets the fallback if nobody decides.
    pub deadline: Option<String>,
    pub decided: Option<String>,
}
