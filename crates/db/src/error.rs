/// Database failures as the rest of the code needs to tell them apart. The underlying sqlx
/// error is kept for logs but never shown to users: it can carry SQL and schema details.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("a record with the same unique value already exists")]
    Conflict,
    #[error("record not found")]
    NotFound,
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// A transient clash with another writer (SQLite busy or locked, a PostgreSQL
    /// serialization failure or deadlock): worth a bounded retry.
    #[error("database busy: {0}")]
    Busy(#[source] sqlx::Error),
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("database migration failed")]
    Migration(#[source] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => DbError::Conflict,
            sqlx::Error::Database(db) if is_transient(db.code().as_deref(), db.message()) => {
                DbError::Busy(e)
            }
            _ => DbError::Unavailable(e),
        }
    }
}

/// SQLite's busy and locked codes (5, 6 and their extended forms) and PostgreSQL's
/// serialization failure and deadlock.
fn is_transient(code: Option<&str>, message: &str) -> bool {
    match code {
        Some("40001" | "40P01") => true,
        // Any other five-character code is a PostgreSQL SQLSTATE, not a SQLite number.
        Some(c) if c.len() == 5 => false,
        Some(c) => c.parse::<i64>().is_ok_and(|n| matches!(n & 0xff, 5 | 6)),
        None => message.contains("database is locked"),
    }
}

impl DbError {
    /// True for a failure that the same statement may not meet again a moment later.
    pub fn is_transient(&self) -> bool {
        matches!(self, DbError::Busy(_))
    }
}

/// Runs `op` again when it fails with a transient clash, at most `attempts` times in all, with
/// jittered exponential backoff between tries (backon).
pub async fn retry_transient<T, F, Fut>(attempts: usize, op: F) -> Result<T, DbError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, DbError>>,
{
    use backon::{ExponentialBuilder, Retryable};
    op.retry(
        ExponentialBuilder::default()
            .with_min_delay(std::time::Duration::from_millis(5))
            .with_max_delay(std::time::Duration::from_millis(200))
            .with_max_times(attempts.saturating_sub(1))
            .with_jitter(),
    )
    .when(DbError::is_transient)
    .await
}

#[cfg(test)]
mod tests {
    use super::is_transient;

    #[test]
    fn busy_and_serialization_failures_are_transient() {
        assert!(is_transient(Some("5"), "database is locked"));
        assert!(is_transient(Some("517"), "database is locked")); // SQLITE_BUSY_SNAPSHOT
        assert!(is_transient(Some("6"), "database table is locked"));
        assert!(is_transient(Some("40001"), "could not serialize access"));
        assert!(is_transient(Some("40P01"), "deadlock detected"));
        assert!(!is_transient(Some("2067"), "UNIQUE constraint failed"));
        assert!(!is_transient(Some("23505"), "duplicate key"));
        assert!(!is_transient(Some("42501"), "permission denied"));
    }
}
