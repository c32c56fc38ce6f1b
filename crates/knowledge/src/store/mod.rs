//! Chunks, their vectors and the indexes over them, in SurrealDB: embedded (SurrealKV under the
//! data directory) by default, a remote server by URL. Each chunk carries its job description
//! and version, so a version's chunks are written, searched and deleted as a set.
//!
//! Searches are scoped to one version: a version holds tens to hundreds of chunks, so exact
//! cosine over the version's rows (read through the `chunk_version` index) is both exact and
//! fast; the HNSW index serves searches across every chunk (and the recall benchmark). Vectors
//! are never overwritten: a new version gets new rows, which keeps HNSW off the churn path
//! that loses neighbours (surrealdb#7423).

use crate::rank::Candidate;
use serde_json::{json, Value};
use surrealdb::engine::any::Any;
use surrealdb::Surreal;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the chunk store is unavailable: {0}")]
    Unavailable(String),
    #[error("the chunk store refused a query: {0}")]
    Query(String),
}

impl From<surrealdb::Error> for StoreError {
    fn from(e: surrealdb::Error) -> Self {
        StoreError::Query(e.to_string())
    }
}

/// A chunk as written to the store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredChunk {
    /// `{version_id}:{position}`; stable, and what citations name.
    pub key: String,
    pub jd_id: String,
    pub version_id: String,
    pub position: usize,
    pub section: String,
    pub text: String,
    /// What was embedded and is full-text indexed (heading path and text).
    pub indexed: String,
    pub hash: String,
    pub flagged: bool,
    pub embedding: Vec<f32>,
}

/// Where the chunk store lives.
#[derive(Debug, Clone)]
pub enum Location {
    /// `surrealkv://` under this directory.
    Embedded(std::path::PathBuf),
    /// A `ws://` address, with root credentials.
    Remote {
        url: String,
        username: String,
        password: secrecy::SecretString,
    },
}

#[derive(Clone)]
pub struct ChunkStore {
    db: Surreal<Any>,
    dims: usize,
}

const INSERT_BATCH: usize = 250;

mod embedding_cache;

impl ChunkStore {
    /// Connects and defines the tables and indexes (idempotently) for vectors of `dims`.
    pub async fn open(location: &Location, dims: usize) -> Result<ChunkStore, StoreError> {
        let unavailable = |e: surrealdb::Error| StoreError::Unavailable(e.to_string());
        let db = match location {
            Location::Embedded(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Unavailable(format!("{}: {e}", dir.display())))?;
                surrealdb::engine::any::connect(format!("surrealkv://{}", dir.display()))
                    .await
                    .map_err(unavailable)?
            }
            Location::Remote {
                url,
                username,
                password,
            } => {
                use secrecy::ExposeSecret;
                let db = surrealdb::engine::any::connect(url.as_str())
                    .await
                    .map_err(unavailable)?;
                db.signin(surrealdb::opt::auth::Root {
                    username: username.clone(),
                    password: password.expose_secret().to_owned(),
                })
                .await
                .map_err(unavailable)?;
                db
            }
        };
        db.use_ns("rehearse")
            .use_db("knowledge")
            .await
            .map_err(unavailable)?;
        let store = ChunkStore { db, dims };
        store.define().await?;
        Ok(store)
    }

    fn field(&self) -> String {
        format!("emb{}", self.dims)
    }

    async fn define(&self) -> Result<(), StoreError> {
        let f = self.field();
        let dims = self.dims;
        let sql = format!(
            "DEFINE TABLE IF NOT EXISTS chunk SCHEMALESS;
             DEFINE ANALYZER IF NOT EXISTS jd_words TOKENIZERS blank, class, punct FILTERS lowercase, ascii, snowball(english);
             DEFINE INDEX IF NOT EXISTS chunk_key ON chunk FIELDS key UNIQUE;
             DEFINE INDEX IF NOT EXISTS chunk_version ON chunk FIELDS version_id;
             DEFINE INDEX IF NOT EXISTS chunk_jd ON chunk FIELDS jd_id;
             DEFINE INDEX IF NOT EXISTS chunk_text ON chunk FIELDS indexed FULLTEXT ANALYZER jd_words BM25(1.2,0.75);
             DEFINE INDEX IF NOT EXISTS chunk_hnsw_{dims} ON chunk FIELDS {f} HNSW DIMENSION {dims} DIST COSINE TYPE F32 EFC 150 M 12;
             DEFINE INDEX IF NOT EXISTS chunk_hash ON chunk FIELDS hash;
             REMOVE TABLE IF EXISTS embedding_cache;"
        );
        self.db.query(sql).await?.check()?;
        Ok(())
    }

    /// Writes chunks (in batches, returning nothing): bulk loading, where each batch stands on
    /// its own. An ingestion writes its version with [`ChunkStore::replace_version`].
    pub async fn insert(&self, chunks: &[StoredChunk]) -> Result<(), StoreError> {
        for batch in chunks.chunks(INSERT_BATCH) {
            self.db
                .query("INSERT INTO chunk $rows RETURN NONE")
                .bind(json!({ "rows": self.rows(batch) }))
                .await?
                .check()?;
        }
        Ok(())
    }

    /// Replaces one version's chunks with `chunks` in one transaction and one round trip: the
    /// store holds the old set or the new one, never a mix, and a retried ingestion needs no
    /// separate delete first. A version is tens to hundreds of chunks, so they go in one
    /// statement.
    pub async fn replace_version(
        &self,
        version_id: &str,
        chunks: &[StoredChunk],
    ) -> Result<(), StoreError> {
        self.db
            .query(
                "BEGIN TRANSACTION;
                 DELETE chunk WHERE version_id = $v RETURN NONE;
                 INSERT INTO chunk $rows RETURN NONE;
                 COMMIT TRANSACTION;",
            )
            .bind(json!({ "v": version_id, "rows": self.rows(chunks) }))
            .await?
            .check()?;
        Ok(())
    }

    /// Chunks as the rows the store keeps, each vector under this store's dimension field.
    fn rows(&self, chunks: &[StoredChunk]) -> Vec<Value> {
        let f = self.field();
        chunks
            .iter()
            .map(|c| {
                let mut row = json!({
                    "key": c.key,
                    "jd_id": c.jd_id,
                    "version_id": c.version_id,
                    "position": c.position,
                    "section": c.section,
                    "text": c.text,
                    "indexed": c.indexed,
                    "hash": c.hash,
                    "flagged": c.flagged,
                });
                row[f.as_str()] = json!(c.embedding);
                row
            })
            .collect()
    }

    /// Deletes one version's chunks (a failed or retried ingestion starts clean).
    pub async fn delete_version(&self, version_id: &str) -> Result<(), StoreError> {
        self.db
            .query("DELETE chunk WHERE version_id = $v RETURN NONE")
            .bind(json!({ "v": version_id }))
            .await?
            .check()?;
        Ok(())
    }

    /// Deletes every chunk of a job description.
    pub async fn delete_jd(&self, jd_id: &str) -> Result<(), StoreError> {
        self.db
            .query("DELETE chunk WHERE jd_id = $j RETURN NONE")
            .bind(json!({ "j": jd_id }))
            .await?
            .check()?;
        Ok(())
    }

    pub async fn count_version(&self, version_id: &str) -> Result<usize, StoreError> {
        self.count("version_id", version_id).await
    }

    pub async fn count_jd(&self, jd_id: &str) -> Result<usize, StoreError> {
        self.count("jd_id", jd_id).await
    }

    async fn count(&self, field: &str, value: &str) -> Result<usize, StoreError> {
        let sql = format!("SELECT count() AS n FROM chunk WHERE {field} = $v GROUP ALL");
        let rows: Vec<Value> = self
            .db
            .query(sql)
            .bind(json!({ "v": value }))
            .await?
            .take(0)?;
        Ok(rows.first().and_then(|r| r["n"].as_u64()).unwrap_or(0) as usize)
    }

    /// A version's chunks in document order (without vectors).
    pub async fn chunks(&self, version_id: &str) -> Result<Vec<Candidate>, StoreError> {
        let rows: Vec<Value> = self
            .db
            .query("SELECT key, position, section, text, flagged FROM chunk WHERE version_id = $v ORDER BY position")
            .bind(json!({ "v": version_id }))
            .await?
            .take(0)?;
        Ok(rows.iter().map(|r| candidate(r, None, None)).collect())
    }

    /// Everything a version's in-memory index is built from: each chunk, what was indexed, and
    /// its vector, in document order.
    pub async fn version_rows(
        &self,
        version_id: &str,
    ) -> Result<Vec<crate::version_index::IndexRow>, StoreError> {
        let f = self.field();
        let rows: Vec<Value> = self
            .db
            .query(format!(
                "SELECT key, position, section, text, flagged, indexed, {f} AS vector \
                 FROM chunk WHERE version_id = $v ORDER BY position"
            ))
            .bind(json!({ "v": version_id }))
            .await?
            .take(0)?;
        Ok(rows
            .iter()
            .map(|r| crate::version_index::IndexRow {
                candidate: candidate(r, None, None),
                indexed: r["indexed"].as_str().unwrap_or_default().to_owned(),
                vector: vector(&r["vector"]).unwrap_or_default(),
            })
            .collect())
    }

    /// The `limit` chunks of a version nearest to `query` by cosine similarity (exact).
    pub async fn nearest(
        &self,
        version_id: &str,
        query: &[f32],
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        let f = self.field();
        let sql = format!(
            "SELECT key, position, section, text, flagged, vector::similarity::cosine({f}, $q) AS cosine \
             FROM chunk WHERE version_id = $v ORDER BY cosine DESC LIMIT {limit}"
        );
        let rows: Vec<Value> = self
            .db
            .query(sql)
            .bind(json!({ "v": version_id, "q": query }))
            .await?
            .take(0)?;
        Ok(rows
            .iter()
            .map(|r| candidate(r, r["cosine"].as_f64().map(|c| c as f32), None))
            .collect())
    }

    /// The `limit` chunks of a version matching `query` in the full-text index, by BM25.
    pub async fn full_text(
        &self,
        version_id: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        // The full-text operator needs every term to match; ask for each content word separately
        // and keep the best score per chunk, so a question's extra words don't hide a match.
        let words = crate::terms::content_stems(query);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut best: Vec<Candidate> = Vec::new();
        let mut sum: std::collections::HashMap<String, f32> = Default::default();
        for w in crate::terms::words(query)
            .into_iter()
            .filter(|w| !crate::terms::is_stop(w) && w.len() > 1)
            .take(8)
        {
            let rows: Vec<Value> = self
                .db
                .query(format!(
                    "SELECT key, position, section, text, flagged, search::score(1) AS bm25 \
                     FROM chunk WHERE version_id = $v AND indexed @1@ $t ORDER BY bm25 DESC LIMIT {limit}"
                ))
                .bind(json!({ "v": version_id, "t": w }))
                .await?
                .take(0)?;
            for r in rows {
                let c = candidate(&r, None, r["bm25"].as_f64().map(|b| b as f32));
                *sum.entry(c.chunk_id.clone()).or_default() += c.bm25.unwrap_or(0.0);
                if !best.iter().any(|b| b.chunk_id == c.chunk_id) {
                    best.push(c);
                }
            }
        }
        for c in &mut best {
            c.bm25 = sum.get(&c.chunk_id).copied();
        }
        best.sort_by(|a, b| {
            b.bm25
                .unwrap_or(0.0)
                .total_cmp(&a.bm25.unwrap_or(0.0))
                .then_with(|| a.chunk_id.cmp(&b.chunk_id))
        });
        best.truncate(limit);
        Ok(best)
    }

    /// Approximate nearest neighbours over every chunk, through the HNSW index.
    pub async fn nearest_anywhere(
        &self,
        query: &[f32],
        k: usize,
        ef: usize,
    ) -> Result<Vec<String>, StoreError> {
        let f = self.field();
        let sql = format!("SELECT key, vector::distance::knn() AS d FROM chunk WHERE {f} <|{k},{ef}|> $q ORDER BY d");
        self.keys_near(sql, query).await
    }

    /// Exact nearest neighbours over every chunk (a full scan; the benchmark's ground truth).
    pub async fn nearest_exact_anywhere(
        &self,
        query: &[f32],
        k: usize,
    ) -> Result<Vec<String>, StoreError> {
        let f = self.field();
        let sql = format!("SELECT key, vector::similarity::cosine({f}, $q) AS s FROM chunk ORDER BY s DESC LIMIT {k}");
        self.keys_near(sql, query).await
    }

    /// Runs a nearest-neighbour query bound to `$q` and returns the chunk keys in its order.
    async fn keys_near(&self, sql: String, query: &[f32]) -> Result<Vec<String>, StoreError> {
        let rows: Vec<Value> = self
            .db
            .query(sql)
            .bind(json!({ "q": query }))
            .await?
            .take(0)?;
        Ok(rows
            .iter()
            .filter_map(|r| r["key"].as_str().map(str::to_owned))
            .collect())
    }
}

/// A vector as the store returns it (a JSON array of numbers); `None` when it is not one.
fn vector(v: &Value) -> Option<Vec<f32>> {
    v.as_array().map(|v| {
        v.iter()
            .filter_map(Value::as_f64)
            .map(|x| x as f32)
            .collect()
    })
}

fn candidate(r: &Value, cosine: Option<f32>, bm25: Option<f32>) -> Candidate {
    Candidate {
        chunk_id: r["key"].as_str().unwrap_or_default().to_owned(),
        position: r["position"].as_u64().unwrap_or(0) as usize,
        section: r["section"].as_str().unwrap_or_default().to_owned(),
        text: r["text"].as_str().unwrap_or_default().to_owned(),
        cosine,
        bm25,
        flagged: r["flagged"].as_bool().unwrap_or(false),
    }
}
