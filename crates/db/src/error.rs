//! Database failures and how sqlx's errors map onto them.
//!
//! Each variant says what failed (no free connection, the server unreachable, a constraint
//! broken, a transient clash), so logs and callers can tell an outage from a bug without
//! reading sqlx's text. The messages here are for logs, not for people: the app maps every
//! variant it does not handle to a generic message with a reference, and logs
//! [`error_chain`] under that reference.

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
    /// No pooled connection became free within the pool's acquire timeout: the pool is
    /// saturated or new connections keep failing.
    #[error("no database connection free in time")]
    PoolTimedOut,
    /// The database could not be reached or talked to: an I/O, TLS or wire-protocol failure.
    #[error("database unreachable: {0}")]
    Unreachable(#[source] sqlx::Error),
    /// A foreign-key, check or not-null constraint refused the write: usually a bug in the
    /// caller (a missing parent row, a value the schema does not allow), not an outage.
    #[error("database constraint violated: {0}")]
    Constraint(#[source] sqlx::Error),
    /// Any other failure (a closed pool, an unmapped database error).
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
            sqlx::Error::Database(db) if is_constraint(db.kind()) => DbError::Constraint(e),
            sqlx::Error::PoolTimedOut => DbError::PoolTimedOut,
            // A stored value that does not read back as its type (an unknown status spelling,
            // a text where a number belongs) is bad data, not an outage.
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                DbError::Corrupt(e.to_string())
            }
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => {
                DbError::Unreachable(e)
            }
            _ => DbError::Unavailable(e),
        }
    }
}

/// Foreign-key, check and not-null violations (unique violations are [`DbError::Conflict`]).
fn is_constraint(kind: sqlx::error::ErrorKind) -> bool {
    use sqlx::error::ErrorKind;
    matches!(
        kind,
        ErrorKind::ForeignKeyViolation | ErrorKind::CheckViolation | ErrorKind::NotNullViolation
    )
}

/// `e` and every error in its `source()` chain, joined with ": ", for logs. A source whose
/// text the message before it already contains (as `"database unavailable: {0}"` contains its
/// sqlx error) is skipped, so nothing is said twice.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut previous = text.clone();
    let mut source = e.source();
    while let Some(s) = source {
        let message = s.to_string();
        if !message.is_empty() && !previous.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        previous = message;
        source = s.source();
    }
    text
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
    use super::{error_chain, is_transient, DbError};
    use std::borrow::Cow;
    use std::error::Error as StdError;

    /// A database error of a chosen kind, standing in for a driver's.
    #[derive(Debug)]
    struct FakeDbError(sqlx::error::ErrorKind);

    impl std::fmt::Display for FakeDbError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "fake {:?}", self.0)
        }
    }

    impl StdError for FakeDbError {}

    impl sqlx::error::DatabaseError for FakeDbError {
        fn message(&self) -> &str {
            "fake"
        }

        fn code(&self) -> Option<Cow<'_, str>> {
            None
        }

        fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
            self
        }

        fn as_error_mut(&mut self) -> &mut (dyn StdError + Send + Sync + 'static) {
            self
        }

        fn into_error(self: Box<Self>) -> Box<dyn StdError + Send + Sync + 'static> {
            self
        }

        fn kind(&self) -> sqlx::error::ErrorKind {
            match self.0 {
                sqlx::error::ErrorKind::UniqueViolation => sqlx::error::ErrorKind::UniqueViolation,
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    sqlx::error::ErrorKind::ForeignKeyViolation
                }
                sqlx::error::ErrorKind::NotNullViolation => {
                    sqlx::error::ErrorKind::NotNullViolation
                }
                sqlx::error::ErrorKind::CheckViolation => sqlx::error::ErrorKind::CheckViolation,
                _ => sqlx::error::ErrorKind::Other,
            }
        }
    }

    fn database(kind: sqlx::error::ErrorKind) -> sqlx::Error {
        sqlx::Error::Database(Box::new(FakeDbError(kind)))
    }

    #[test]
    fn sqlx_errors_map_to_what_failed() {
        use sqlx::error::ErrorKind;
        assert!(matches!(
            DbError::from(sqlx::Error::RowNotFound),
            DbError::NotFound
        ));
        assert!(matches!(
            DbError::from(sqlx::Error::PoolTimedOut),
            DbError::PoolTimedOut
        ));
        assert!(matches!(
            DbError::from(sqlx::Error::PoolClosed),
            DbError::Unavailable(_)
        ));
        assert!(matches!(
            DbError::from(sqlx::Error::ColumnDecode {
                index: "status".into(),
                source: "no such status".into(),
            }),
            DbError::Corrupt(_)
        ));
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(matches!(
            DbError::from(sqlx::Error::Io(refused)),
            DbError::Unreachable(_)
        ));
        assert!(matches!(
            DbError::from(sqlx::Error::Protocol("unexpected message".into())),
            DbError::Unreachable(_)
        ));
        assert!(matches!(
            DbError::from(database(ErrorKind::UniqueViolation)),
            DbError::Conflict
        ));
        for kind in [
            ErrorKind::ForeignKeyViolation,
            ErrorKind::CheckViolation,
            ErrorKind::NotNullViolation,
        ] {
            assert!(matches!(
                DbError::from(database(kind)),
                DbError::Constraint(_)
            ));
        }
        assert!(matches!(
            DbError::from(database(ErrorKind::Other)),
            DbError::Unavailable(_)
        ));
        assert!(matches!(
            DbError::from(sqlx::Error::ColumnNotFound("x".into())),
            DbError::Unavailable(_)
        ));
    }

    #[test]
    fn the_chain_names_every_cause_once() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = DbError::from(sqlx::Error::Io(refused));
        // The outer message already quotes sqlx's, which quotes the I/O error's.
        assert_eq!(
            error_chain(&e),
            "database unreachable: error communicating with database: refused"
        );
        let e = DbError::PoolTimedOut;
        assert_eq!(error_chain(&e), "no database connection free in time");
    }

    /// An outer error that does not quote its cause gets the cause appended.
    #[derive(Debug, thiserror::Error)]
    #[error("loading the page failed")]
    struct Outer(#[source] DbError);

    #[test]
    fn the_chain_appends_causes_the_message_leaves_out() {
        let e = Outer(DbError::from(sqlx::Error::PoolClosed));
        assert_eq!(
            error_chain(&e),
            "loading the page failed: database unavailable: attempted to acquire a connection on \
             a closed pool"
        );
    }

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
