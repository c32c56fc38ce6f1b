//! Vectors remembered by content hash (sha256 of model and text), so a chunk whose text did not
//! change is never embedded twice: a new version of a job description re-embeds only what
//! changed.

use super::{vector, ChunkStore, StoreError, INSERT_BATCH};
use serde_json::{json, Value};

impl ChunkStore {
    /// Cached vectors for content hashes (hash → vector).
    pub async fn cached_embeddings(
        &self,
        hashes: &[String],
    ) -> Result<std::collections::HashMap<String, Vec<f32>>, StoreError> {
        let mut out = std::collections::HashMap::new();
        for batch in hashes.chunks(INSERT_BATCH) {
            let rows: Vec<Value> = self
                .db
                .query("SELECT hash, vector FROM embedding_cache WHERE hash IN $h")
                .bind(json!({ "h": batch }))
                .await?
                .take(0)?;
            for r in rows {
                let (Some(h), Some(v)) = (r["hash"].as_str(), vector(&r["vector"])) else {
                    continue;
                };
                out.insert(h.to_owned(), v);
            }
        }
        Ok(out)
    }

    /// Remembers vectors by content hash; a hash already present is left as it is.
    pub async fn cache_embeddings(&self, entries: &[(String, Vec<f32>)]) -> Result<(), StoreError> {
        for batch in entries.chunks(INSERT_BATCH) {
            let rows: Vec<Value> = batch
                .iter()
                .map(|(h, v)| json!({ "hash": h, "vector": v }))
                .collect();
            self.db
                .query("INSERT IGNORE INTO embedding_cache $rows RETURN NONE")
                .bind(json!({ "rows": rows }))
                .await?
                .check()?;
        }
        Ok(())
    }

    pub async fn cache_size(&self) -> Result<usize, StoreError> {
        let rows: Vec<Value> = self
            .db
            .query("SELECT count() AS n FROM embedding_cache GROUP ALL")
            .await?
            .take(0)?;
        Ok(rows.first().and_then(|r| r["n"].as_u64()).unwrap_or(0) as usize)
    }
}
