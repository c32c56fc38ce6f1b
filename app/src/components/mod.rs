pub mod api_error;
pub mod chart;
pub mod confirm_banner;
pub mod forms;
pub mod layout;
pub mod loaded;
