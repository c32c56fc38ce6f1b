use super::errors::internal;
use super::session_keys;
use crate::api::ApiError;
use rehearse_types::FormFlash;
use tower_sessions::Session;

/// Stores a failed submission for the page the browser is redirected to.
pub async fn put(
    session: &Session,
    flash: FormFlash,
) -> Result<(), tower_sessions::session::Error> {
    session.insert(session_keys::FORM_FLASH, flash).await
}

/// Takes the flash for `form`, leaving one meant for another form in place.
pub async fn take(form: &str) -> Result<Option<FormFlash>, ApiError> {
    let session: Session = leptos_axum::extract().await.map_err(internal)?;
    let flash: Option<FormFlash> = session
        .get(session_keys::FORM_FLASH)
        .await
        .unwrap_or_default();
    match flash {
        Some(flash) if flash.form == form => {
            let _ = session.remove::<FormFlash>(session_keys::FORM_FLASH).await;
            Ok(Some(flash))
        }
        _ => Ok(None),
    }
}
