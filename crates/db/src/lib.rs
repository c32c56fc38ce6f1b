//! The relational store.
//!
//! One [`Db`] handle serves SQLite (the embedded default, a file in WAL mode) and PostgreSQL
//! (the scale-out backend) through sqlx's `Any` driver, so every repository is written once and
//! tested against both. To keep that possible, queries stick to the common dialect: `$n`
//! parameters, `TEXT` ids, `BIGINT` millisecond timestamps, `INTEGER` flags.
//! Dialect-specific DDL lives in `migrations/sqlite` and `migrations/postgres`.

mod audit;
pub mod checkpoints;
mod credentials;
pub mod erasure;
mod error;
mod identities;
mod jobs;
mod pool;
mod sessions;
mod spelled;
mod users;

pub use audit::{AuditEvent, AuditKind, AuditRepo, NewAuditEvent, REPEATS_KEPT, REPEAT_WINDOW_MS};
pub use checkpoints::Checkpoints;
pub use credentials::{CredentialRepo, LinkOwner, LinkPurpose};
pub use error::{error_chain, retry_transient, DbError};
pub use identities::IdentityRepo;
pub use jobs::{FailedJob, Job, JobPayload, JobQueue, JobStatus, MAX_ATTEMPTS};
pub use pool::{Backend, Db};
pub use sessions::SessionStore;
pub use users::{NewUser, User, UserRepo};

/// One row read as `T` by its `#[derive(sqlx::FromRow)]`, with sqlx's error mapped as every
/// other query's is (a value that does not decode is [`DbError::Corrupt`]). Readers pass it to
/// `map`, instead of spelling out a column-by-column copy.
pub fn read_row<T>(row: &sqlx::any::AnyRow) -> Result<T, DbError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    Ok(T::from_row(row)?)
}

/// For [`spelled_enum!`]'s expansion in other crates.
#[doc(hidden)]
pub use sqlx as __sqlx;

/// Milliseconds since the Unix epoch: the one timestamp representation both dialects share.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

/// `count` numbered parameters from `$first`, comma-separated (`$3, $4, $5`), for an `IN (...)`
/// list built at run time; both dialects number parameters this way.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `VALUES` list of a multi-row insert: `rows` tuples of `columns` numbered parameters
/// each, every tuple ending with `literal` when it is not empty (a constant column, such as a
/// status). `placeholder_rows(2, 2, "'x'")` is `($1, $2, 'x'), ($3, $4, 'x')`.
pub fn placeholder_rows(rows: usize, columns: usize, literal: &str) -> String {
    (0..rows)
        .map(|r| {
            let params = placeholders(r * columns + 1, columns);
            if literal.is_empty() {
                format!("({params})")
            } else {
                format!("({params}, {literal})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Formats a stored timestamp for people (UTC, minute precision).
pub fn format_ms(ms: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| ms.to_string())
}

#[cfg(test)]
mod placeholder_tests {
    use super::{placeholder_rows, placeholders};

    #[test]
    fn numbered_lists_and_rows() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(placeholders(1, 0), "");
        assert_eq!(
            placeholder_rows(2, 2, "'x'"),
            "($1, $2, 'x'), ($3, $4, 'x')"
        );
        assert_eq!(placeholder_rows(2, 1, ""), "($1), ($2)");
    }
}
