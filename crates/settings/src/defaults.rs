//! Default values that serde fills in for `Settings` fields the configuration leaves out.

use std::path::PathBuf;

pub fn data_dir() -> PathBuf {
    PathBuf::from("data")
}
pub fn attempts_per_account() -> u32 {
    5
}
pub fn attempts_per_ip() -> u32 {
    50
}
pub fn login_window_secs() -> u64 {
    900
}
pub fn session_idle_hours() -> u32 {
    24 * 7
}
pub fn max_body_bytes() -> usize {
    64 * 1024
}
pub fn render_timeout_secs() -> u64 {
    30
}
pub fn shutdown_grace_secs() -> u64 {
    10
}
