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
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database migration failed")]
    Migration(#[source] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => DbError::Conflict,
            _ => DbError::Unavailable(e),
        }
    }
}
