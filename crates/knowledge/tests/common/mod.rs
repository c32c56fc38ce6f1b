//! What the knowledge-base tests share: the real MiniLM, loaded once per test binary.
#![allow(dead_code)]

use rehearse_runtimes::LocalMiniLm;
use std::sync::{Arc, OnceLock};

/// all-MiniLM-L6-v2 from `REHEARSE_MODELS_DIR` (else `data/models`) on the default runtime,
/// loaded on first use.
pub fn minilm() -> Arc<LocalMiniLm> {
    static MODEL: OnceLock<Arc<LocalMiniLm>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            Arc::new(
                LocalMiniLm::load_fetched(&rehearse_testkit::models_dir())
                    .expect("MiniLM (run scripts/fetch-models.sh)"),
            )
        })
        .clone()
}
