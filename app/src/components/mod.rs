pub mod chart;
pub mod forms;
pub mod layout;
