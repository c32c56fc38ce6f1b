use crate::checkpoints::{self, Checkpoints};
use crate::DbError;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor, Row};
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

/// Which dialect the pool speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A cheap-to-clone handle to the relational store.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    url: String,
    checkpoints: Checkpoints,
    /// Held while any clone lives: the background checkpoints of a file-backed SQLite pool end
    /// with the last one.
    _checkpoints: Option<checkpoints::Alive>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never print it.
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Connects, creating the SQLite file and its directory when needed. Does not migrate. A
    /// file-backed SQLite pool checkpoints its write-ahead log in the background.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        Db::connect_with(url, Checkpoints::default()).await
    }

    /// [`Db::connect`], choosing who checkpoints SQLite's write-ahead log (ignored for
    /// PostgreSQL); the benches compare the two.
    pub async fn connect_with(url: &str, checkpoints: Checkpoints) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(DbError::Corrupt(
                "database URL must be sqlite:// or postgres://".into(),
            ));
        };
        let mut connect_url = url.to_owned();
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            if let Some(dir) = sqlite_path(url).and_then(|p| p.parent().map(|d| d.to_owned())) {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(&dir)
                        .map_err(|e| DbError::Unavailable(sqlx::Error::Io(e)))?;
                }
            }
            if !connect_url.contains("mode=") {
                connect_url.push_str(if connect_url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
            // WAL lets readers proceed while one writer commits; the busy timeout makes a
            // second writer wait instead of failing with SQLITE_BUSY.
            let pragmas = format!(
                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; {}",
                checkpoints.pragma()
            );
            options = options
                .max_connections(8)
                .after_connect(move |conn, _meta| {
                    let pragmas = pragmas.clone();
                    Box::pin(async move {
                        conn.execute(pragmas.as_str()).await?;
                        Ok(())
                    })
                });
        } else {
            options = options.max_connections(16);
        }
        let pool = options.connect(&connect_url).await?;
        let background = backend == Backend::Sqlite
            && checkpoints == Checkpoints::Background
            && sqlite_path(url).is_some();
        Ok(Db {
            _checkpoints: background.then(|| checkpoints::start(pool.clone())),
            pool,
            backend,
            url: url.to_owned(),
            checkpoints,
        })
    }

    /// Applies every pending migration of this backend's dialect.
    pub async fn migrate(&self) -> Result<(), DbError> {
        self.migrator()
            .run(&self.pool)
            .await
            .map_err(DbError::Migration)
    }

    fn migrator(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Readiness: the database answers and every migration this build knows is applied.
    pub async fn ready(&self) -> Result<bool, DbError> {
        let expected = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let row: AnyRow = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) AS v FROM _sqlx_migrations WHERE success = TRUE",
        )
        .fetch_one(&self.pool)
        .await?;
        let applied: i64 = row.try_get("v")?;
        Ok(applied >= expected)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes fails with
    /// `SQLITE_BUSY` at once when another writer committed meanwhile (the busy timeout does not
    /// apply to that upgrade), which is what turned concurrent candidates into 500s.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, DbError> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        };
        tx.map_err(DbError::from)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Who checkpoints the write-ahead log (for the session store's own pool on the same file).
    pub(crate) fn checkpoints(&self) -> Checkpoints {
        self.checkpoints
    }

    /// The URL this handle was opened with (for the session store's own pool).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The file path inside a `sqlite://` URL, if it names a file.
pub(crate) fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}
