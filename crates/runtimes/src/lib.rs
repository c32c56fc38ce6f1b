//! The models Rehearse runs in-process, behind `rehearse-llm`'s traits: the local chat model
//! (a GGUF on llama.cpp, [`llama`]) and the default embedder (all-MiniLM-L6-v2 on ONNX Runtime
//! or candle, [`minilm`]). Only the server and the tests that need a real model depend on this crate, so
//! the domain crates build without a C++ toolchain or tensor library.

pub mod llama;
pub mod minilm;
pub mod throughput;

pub use llama::{LocalModel, LocalOptions};
pub use minilm::LocalMiniLm;
