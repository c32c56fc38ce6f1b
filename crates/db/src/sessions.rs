use crate::pool::{sqlite_path, Backend};
use crate::{Db, DbError};
use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use std::time::Duration;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// Sessions kept in the relational database, whichever backend it is.
///
/// tower-sessions-sqlx-store ships one store per driver; this enum picks the one matching the
/// configured database so the rest of the server sees a single store type.
#[derive(Debug, Clone)]
pub enum SessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionStore {
    /// Opens the store on the same database as `db` and creates its table if missing.
    pub async fn open(db: &Db) -> Result<SessionStore, DbError> {
        let store = match db.backend() {
            Backend::Sqlite => {
                let path = sqlite_path(db.url()).ok_or_else(|| {
                    DbError::Corrupt("sessions need a file-backed SQLite database".into())
                })?;
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .busy_timeout(Duration::from_secs(5))
                    // The same file as `db`'s pool: its commits leave the log's checkpoints
                    // where `db`'s do (see `checkpoints`).
                    .pragma(
                        "wal_autocheckpoint",
                        db.checkpoints().autocheckpoint_pages().to_string(),
                    );
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await?;
                let store = SqliteStore::new(pool)
                    .with_table_name("sessions")
                    .map_err(|e| DbError::Corrupt(format!("session table name: {e}")))?;
                store.migrate().await?;
                SessionStore::Sqlite(store)
            }
            Backend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(4)
                    .connect(db.url())
                    .await?;
                let store = PostgresStore::new(pool);
                store.migrate().await?;
                SessionStore::Postgres(store)
            }
        };
        Ok(store)
    }

    /// Removes expired sessions every `period`, forever; spawn it.
    pub async fn delete_expired_every(self, period: Duration) {
        let mut tick = tokio_interval(period);
        loop {
            tick.tick().await;
            let result = match &self {
                SessionStore::Sqlite(s) => s.delete_expired().await,
                SessionStore::Postgres(s) => s.delete_expired().await,
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "could not delete expired sessions");
            }
        }
    }
}

fn tokio_interval(period: Duration) -> tokio::time::Interval {
    tokio::time::interval(period)
}

#[async_trait]
impl tower_sessions::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite(s) => s.create(record).await,
            SessionStore::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite(s) => s.save(record).await,
            SessionStore::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionStore::Sqlite(s) => s.load(id).await,
            SessionStore::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite(s) => s.delete(id).await,
            SessionStore::Postgres(s) => s.delete(id).await,
        }
    }
}
