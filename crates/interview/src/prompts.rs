//! Prompt templates, versioned in the database. Editing creates a new version; one version per
//! name is active; rolling back is activating an older one. An interview pins the versions it
//! started with, so a prompt change never alters an interview midway.

use rehearse_db::{now_ms, Db, DbError};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::BTreeMap;

fn sql(e: sqlx::Error) -> DbError {
    DbError::from(e)
}

/// The prompts the product uses, with the body each starts from.
pub const DEFAULTS: &[(&str, &str)] = &[
    (
        "phrase_question",
        "You rewrite an interviewer's question so it sounds natural. Keep its meaning and its key terms. \
Write one question ending with a question mark. Do not add facts, names or numbers. Reply with the question only.",
    ),
    (crate::scoring::judge::JUDGE_PROMPT, crate::scoring::judge::RUBRIC),
    (
        crate::scoring::judge::REFERENCE_PROMPT,
        crate::scoring::judge::REFERENCE_BRIEF,
    ),
];

pub const MAX_BODY_CHARS: usize = 8000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptVersion {
    pub name: String,
    pub version: i64,
    pub body: String,
    pub created_at: i64,
    pub created_by: Option<String>,
    pub active: bool,
}

/// Name to version, as pinned by an interview.
pub type Pins = BTreeMap<String, i64>;

#[derive(Debug, Clone)]
pub struct PromptStore {
    db: Db,
}

impl PromptStore {
    pub fn new(db: &Db) -> Self {
        PromptStore { db: db.clone() }
    }

    /// Creates version 1 of every default prompt that has no version yet, and activates it.
    pub async fn seed(&self) -> Result<(), DbError> {
        for (name, body) in DEFAULTS {
            let exists = sqlx::query("SELECT COUNT(*) AS n FROM prompt_versions WHERE name = $1")
                .bind(*name)
                .fetch_one(self.db.pool())
                .await
                .map_err(sql)?;
            if exists.try_get::<i64, _>("n").map_err(sql)? == 0 {
                let version = self.create(name, body, None).await?;
                self.activate(name, version, None).await?;
            }
        }
        Ok(())
    }

    /// Adds a version (not active until activated); returns its number.
    pub async fn create(&self, name: &str, body: &str, by: Option<&str>) -> Result<i64, DbError> {
        let mut tx = self.db.begin_write().await?;
        let row = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) AS v FROM prompt_versions WHERE name = $1",
        )
        .bind(name)
        .fetch_one(&mut *tx)
        .await
        .map_err(sql)?;
        let version = row.try_get::<i64, _>("v").map_err(sql)? + 1;
        sqlx::query("INSERT INTO prompt_versions (name, version, body, created_at, created_by) VALUES ($1, $2, $3, $4, $5)")
            .bind(name)
            .bind(version)
            .bind(body)
            .bind(now_ms())
            .bind(by)
            .execute(&mut *tx)
            .await
            .map_err(sql)?;
        tx.commit().await.map_err(sql)?;
        Ok(version)
    }

    pub async fn activate(
        &self,
        name: &str,
        version: i64,
        by: Option<&str>,
    ) -> Result<(), DbError> {
        if self.get(name, version).await?.is_none() {
            return Err(DbError::NotFound);
        }
        sqlx::query(
            "INSERT INTO prompt_active (name, version, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
        )
        .bind(name)
        .bind(version)
        .bind(now_ms())
        .bind(by)
        .execute(self.db.pool())
        .await
        .map_err(sql)?;
        Ok(())
    }

    pub async fn get(&self, name: &str, version: i64) -> Result<Option<PromptVersion>, DbError> {
        Ok(self
            .versions(name)
            .await?
            .into_iter()
            .find(|v| v.version == version))
    }

    /// Every version of `name`, newest first.
    pub async fn versions(&self, name: &str) -> Result<Vec<PromptVersion>, DbError> {
        let active = self.active_version(name).await?;
        let rows = sqlx::query("SELECT name, version, body, created_at, created_by FROM prompt_versions WHERE name = $1 ORDER BY version DESC")
            .bind(name)
            .fetch_all(self.db.pool())
            .await
            .map_err(sql)?;
        rows.iter()
            .map(|r| {
                let version: i64 = r.try_get("version").map_err(sql)?;
                Ok(PromptVersion {
                    name: r.try_get("name").map_err(sql)?,
                    version,
                    body: r.try_get("body").map_err(sql)?,
                    created_at: r.try_get("created_at").map_err(sql)?,
                    created_by: r.try_get("created_by").map_err(sql)?,
                    active: Some(version) == active,
                })
            })
            .collect()
    }

    pub async fn active_version(&self, name: &str) -> Result<Option<i64>, DbError> {
        let row = sqlx::query("SELECT version FROM prompt_active WHERE name = $1")
            .bind(name)
            .fetch_optional(self.db.pool())
            .await
            .map_err(sql)?;
        row.map(|r| r.try_get("version")).transpose().map_err(sql)
    }

    /// The active version of every known prompt: what a new interview pins.
    pub async fn active_pins(&self) -> Result<Pins, DbError> {
        let mut pins = Pins::new();
        for (name, _) in DEFAULTS {
            if let Some(v) = self.active_version(name).await? {
                pins.insert((*name).to_owned(), v);
            }
        }
        Ok(pins)
    }

    /// The body of `name` at the pinned version, falling back to the built-in default (for
    /// interviews started before the prompt existed).
    pub async fn body(&self, name: &str, pins: &Pins) -> Result<(String, Option<i64>), DbError> {
        if let Some(v) = pins.get(name) {
            if let Some(p) = self.get(name, *v).await? {
                return Ok((p.body, Some(*v)));
            }
        }
        let fallback = DEFAULTS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| (*b).to_owned())
            .unwrap_or_default();
        Ok((fallback, None))
    }
}

/// A line diff between two versions, for the admin page: `-` removed, `+` added, ` ` kept.
pub fn diff(old: &str, new: &str) -> Vec<(char, String)> {
    crate::textdiff::lines(old, new)
}
