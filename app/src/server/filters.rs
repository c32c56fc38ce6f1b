//! A list page's filters as they arrive from its query string (`?status=`, `?reason=`, ...).

/// One filter value: trimmed; none (no filter) when empty, or when longer than `max_len`, which
/// no real value is.
pub fn filter_value(value: Option<String>, max_len: usize) -> Option<String> {
    value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= max_len)
}
