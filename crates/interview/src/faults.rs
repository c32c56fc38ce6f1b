//! Named points of a turn where the fault drill (`rehearse-bench fault-drill`) kills the server.
//!
//! Unarmed (the normal case) a point does nothing. A server started with `FAULT_DRILL_POINT`
//! naming a point prints `FAULT-POINT <name>` when it gets there and stops that task, so the
//! drill can SIGKILL the process at exactly that moment. The variable is deliberately outside
//! the `REHEARSE_` configuration prefix: it is a test hook, not a setting.

use std::io::Write;
use std::sync::OnceLock;

/// The points, in the order a turn passes them.
pub const POINTS: [&str; 4] = [
    AFTER_CANDIDATE_COMMIT,
    WHILE_STREAMING,
    BETWEEN_REPLY_AND_PHASE,
    WHILE_REPORT,
];
/// The candidate's message and its turn job are committed; the worker has not started.
pub const AFTER_CANDIDATE_COMMIT: &str = "after_candidate_commit";
/// The model is streaming a phrasing.
pub const WHILE_STREAMING: &str = "while_streaming";
/// A reply is committed; the phase has not moved.
pub const BETWEEN_REPLY_AND_PHASE: &str = "between_reply_and_phase";
/// The wrap-up is committed; the report is being written.
pub const WHILE_REPORT: &str = "while_report";

fn armed() -> Option<&'static str> {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    ARMED
        .get_or_init(|| std::env::var("FAULT_DRILL_POINT").ok())
        .as_deref()
}

/// Marks a point. When the drill armed it, announces it and never returns (the drill kills
/// the process next).
pub async fn point(name: &'static str) {
    if armed() != Some(name) {
        return;
    }
    announce(name);
    std::future::pending::<()>().await;
}

fn announce(name: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "FAULT-POINT {name}");
    let _ = out.flush();
}
