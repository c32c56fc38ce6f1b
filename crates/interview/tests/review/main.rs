//! The review queue on SQLite and PostgreSQL: a held message opens its review atomically;
//! claims are leases; only the holder of a live claim decides; deadlines give the fallback;
//! edits are stored as diffs; the admin metrics count the stored decisions. One test binary, its
//! scenarios in modules by what they cover; the held answer they start from is in `fixture`.

#[path = "../common/mod.rs"]
mod common;

mod fixture;

mod claims;
mod deadlines;
mod decisions;
mod metrics;
mod verdict;
