//! Vectors found again by content hash (sha256 of model and text), so a chunk whose text did not
//! change is never embedded twice: a new version of a job description re-embeds only what
//! changed.
//!
//! The chunk table is the cache: every stored chunk carries its hash and its vector, so a vector
//! is written once, with its chunk, and is forgotten with the last chunk that holds it (deleting
//! a job description takes its vectors with it). A separate `embedding_cache` table did this
//! until 2026-11-29; it wrote every vector twice and kept the vectors of deleted job
//! descriptions, so `define` removes it.

use super::{vector, ChunkStore, StoreError, INSERT_BATCH};
use serde_json::{json, Map, Value};

impl ChunkStore {
    /// Vectors already stored for these content hashes (hash → vector); a hash no stored chunk
    /// carries is absent.
    pub async fn cached_embeddings(
        &self,
        hashes: &[String],
    ) -> Result<std::collections::HashMap<String, Vec<f32>>, StoreError> {
        let f = self.field();
        let mut out = std::collections::HashMap::new();
        for batch in hashes.chunks(INSERT_BATCH) {
            // One indexed lookup per hash, all in one round trip: many versions can hold the
            // same text, and one of its vectors is enough.
            let sql: String = (0..batch.len())
                .map(|i| format!("SELECT {f} AS vector FROM chunk WHERE hash = $h{i} LIMIT 1;"))
                .collect();
            let binds: Map<String, Value> = batch
                .iter()
                .enumerate()
                .map(|(i, h)| (format!("h{i}"), json!(h)))
                .collect();
            let mut response = self.db.query(sql).bind(Value::Object(binds)).await?;
            for (i, h) in batch.iter().enumerate() {
                let rows: Vec<Value> = response.take(i)?;
                if let Some(v) = rows.first().and_then(|r| vector(&r["vector"])) {
                    out.insert(h.clone(), v);
                }
            }
        }
        Ok(out)
    }
}
