use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use secrecy::{ExposeSecret, SecretString};

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// Passwords people reach for first; refused outright whatever their length.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "iloveyou12",
    "letmein123",
    "welcome123",
    "administrator",
    "qwerty1234",
    "abcdefghij",
    "passw0rd12",
    "changeme123",
];

/// Checks a new password against the rules (length, not trivially guessable, not the email).
/// The message says what to do, for the sign-up form.
pub fn check_rules(password: &str, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(format!("Use at least {MIN_LEN} characters."));
    }
    if chars > MAX_LEN {
        return Err(format!("Use at most {MAX_LEN} characters."));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Err("That password is too common; choose another.".into());
    }
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err("Use a mix of at least four different characters.".into());
    }
    if !email.is_empty() && lower == email.to_lowercase() {
        return Err("Your password must not be your email address.".into());
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password hashing task failed")]
    Join,
}

/// Hashes with argon2id (the crate's defaults: 19 MiB, 2 passes) on a blocking thread, since
/// a hash costs tens of milliseconds of CPU that must not stall the async runtime.
pub async fn hash(password: SecretString) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError::Hash(e.to_string()))
    })
    .await
    .map_err(|_| HashError::Join)?
}

/// A valid hash of a random password, verified against when the account does not exist so that
/// "no such account" takes as long as "wrong password" and timing reveals nothing.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5VEbt1xSpcd7EJhYhWSAJOPYn8U6ZPMkBFJJ5ug1JQk";

/// Verifies `password` against `stored` (or against a dummy hash when there is none).
/// Returns false for a malformed stored hash rather than failing the request.
pub async fn verify(password: SecretString, stored: Option<String>) -> Result<bool, HashError> {
    tokio::task::spawn_blocking(move || {
        let exists = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            tracing::error!("a stored password hash is malformed");
            return false;
        };
        let ok = Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        ok && exists
    })
    .await
    .map_err(|_| HashError::Join)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(check_rules("short", "a@b.c").is_err());
        assert!(check_rules("Password123", "a@b.c").is_err());
        assert!(check_rules("aaaaaaaaaaaa", "a@b.c").is_err());
        assert!(check_rules("ann@example.com", "ann@example.com").is_err());
        assert!(check_rules(&"x1y2".repeat(40), "a@b.c").is_err());
        assert!(check_rules("correct horse battery", "a@b.c").is_ok());
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash(SecretString::from("correct horse battery"))
            .await
            .expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify(SecretString::from("correct horse battery"), Some(h.clone()))
                .await
                .expect("verify")
        );
        assert!(!verify(SecretString::from("wrong horse battery"), Some(h))
            .await
            .expect("verify"));
        assert!(!verify(SecretString::from("anything"), None)
            .await
            .expect("verify"));
        assert!(!verify(SecretString::from("x"), Some("not a hash".into()))
            .await
            .expect("verify"));
    }
}
