use serde::{Deserialize, Serialize};

/// One problem with one form field, worded for the person filling the form in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Errors for a whole form: per-field messages plus an optional message about the form as a
/// whole (for example "wrong email or password", which must not say which of the two).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormErrors {
    pub fields: Vec<FieldError>,
    pub form: Option<String>,
}

impl FormErrors {
    pub fn field(mut self, field: &str, message: impl Into<String>) -> Self {
        self.fields.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
        self
    }

    pub fn whole(message: impl Into<String>) -> Self {
        FormErrors {
            fields: Vec::new(),
            form: Some(message.into()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.form.is_none()
    }

    /// The message for `field`, if any.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}
