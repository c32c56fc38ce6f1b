//! A model loaded on its first call. A fallback that a healthy primary never needs (the local
//! GGUF behind a hosted model, say) then costs no memory and no start-up time; the first call
//! that needs it waits for the load, inside that call's first-token deadline.

use crate::provider::{ChatModel, EventStream, LlmError};
use crate::types::ChatRequest;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// Builds the model; blocking (it runs on a blocking thread).
pub type Loader = Arc<dyn Fn() -> Result<Arc<dyn ChatModel>, LlmError> + Send + Sync>;

pub struct LazyModel {
    provider: String,
    model: String,
    load: Loader,
    loaded: OnceCell<Arc<dyn ChatModel>>,
}

impl LazyModel {
    /// `provider` and `model` name it in traces before it is loaded; they should be what the
    /// loaded model reports.
    pub fn new(provider: &str, model: &str, load: Loader) -> Self {
        LazyModel {
            provider: provider.to_owned(),
            model: model.to_owned(),
            load,
            loaded: OnceCell::new(),
        }
    }

    async fn get(&self) -> Result<&Arc<dyn ChatModel>, LlmError> {
        self.loaded
            .get_or_try_init(|| async {
                let load = self.load.clone();
                tokio::task::spawn_blocking(move || (*load)())
                    .await
                    .map_err(|e| LlmError::Unavailable(format!("loading the model failed: {e}")))?
            })
            .await
    }
}

#[async_trait::async_trait]
impl ChatModel for LazyModel {
    fn provider(&self) -> &str {
        &self.provider
    }

    fn model(&self) -> &str {
        &self.model
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        self.get().await?.stream(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scripted::{Script, ScriptedModel};
    use crate::ChatMessage;
    use futures::StreamExt;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn loads_once_on_first_use_and_a_failed_load_is_tried_again() {
        let loads = Arc::new(AtomicUsize::new(0));
        let counter = loads.clone();
        let model = LazyModel::new(
            "scripted",
            "scripted-test-double",
            Arc::new(move || {
                if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                    return Err(LlmError::Unavailable("model file missing".into()));
                }
                Ok(Arc::new(ScriptedModel::new(vec![Script::text("hello")])) as Arc<dyn ChatModel>)
            }),
        );
        assert_eq!(loads.load(Ordering::SeqCst), 0, "nothing loaded up front");
        let request = ChatRequest {
            messages: vec![ChatMessage::user("Hi")],
            tools: Vec::new(),
            max_tokens: 8,
            temperature: None,
        };
        assert!(model.stream(&request).await.is_err());
        for _ in 0..2 {
            let events: Vec<_> = model
                .stream(&request)
                .await
                .expect("loaded")
                .collect()
                .await;
            assert!(events.iter().all(Result::is_ok));
        }
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }
}
