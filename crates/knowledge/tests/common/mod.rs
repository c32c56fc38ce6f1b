//! What the knowledge-base tests share: the real MiniLM, loaded once per test binary.
#![allow(dead_code)]

use rehearse_runtimes::LocalMiniLm;
use rehearse_testkit::workspace_root;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// all-MiniLM-L6-v2 from `REHEARSE_MODELS_DIR` (else `data/models`), loaded on first use.
pub fn minilm() -> Arc<LocalMiniLm> {
    static MODEL: OnceLock<Arc<LocalMiniLm>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir: PathBuf = std::env::var("REHEARSE_MODELS_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|_| workspace_root().join("data/models"))
                .join("minilm");
            Arc::new(LocalMiniLm::load(&dir).expect("MiniLM (run scripts/fetch-models.sh)"))
        })
        .clone()
}
