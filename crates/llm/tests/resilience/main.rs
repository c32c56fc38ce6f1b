//! Provider resilience on the wire: the gateway against the fault-injecting upstream
//! (`tools/fault_upstream.py`, a real process speaking the OpenAI-compatible format, whose
//! behaviour the model name picks). What the upstream saw is read from its `/stats`: retries,
//! requests that stopped reaching it, disconnects. One test binary, its scenarios in modules by
//! what they cover.

mod upstream;

mod breakers;
mod deadlines;
mod retries;
