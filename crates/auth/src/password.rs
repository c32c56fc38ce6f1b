use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use secrecy::{ExposeSecret, SecretString};
use zxcvbn::Score;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// The product's name: a password containing it is among the first an attacker tries here.
pub const PRODUCT_NAME: &str = "rehearse";

/// The zxcvbn score a new password must reach. 3 means the estimator needs more than about
/// 10^8 guesses (its list of 30,000 common passwords, names, words, keyboard walks, dates,
/// repeats and l33t substitutions all score below), which zxcvbn's authors name the least for
/// a password protected by a slow hash such as argon2id.
pub const MIN_SCORE: Score = Score::Three;

/// Checks a new password against the rules (ASVS 5.0 6.2): 10 to 128 characters, not
/// containing the email address or the product's name, and not easy to guess by zxcvbn's
/// estimate, which is told the email, its local part and the product's name so that
/// variations of them count as guessable too. The message says what to change, for the form
/// the password came from. Use it wherever a password is set.
pub fn check_rules(password: &str, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(format!("Use at least {MIN_LEN} characters."));
    }
    if chars > MAX_LEN {
        return Err(format!("Use at most {MAX_LEN} characters."));
    }
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    if !email.is_empty() && lower.contains(&email) {
        return Err("Your password must not contain your email address.".into());
    }
    if lower.contains(PRODUCT_NAME) {
        return Err("Your password must not contain the name of this site, Rehearse.".into());
    }
    let local_part = email.split('@').next().unwrap_or_default();
    let mut inputs: Vec<&str> = vec![PRODUCT_NAME];
    if !email.is_empty() {
        inputs.push(email.as_str());
    }
    if !local_part.is_empty() {
        inputs.push(local_part);
    }
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() < MIN_SCORE {
        return Err(too_guessable(estimate.feedback()));
    }
    Ok(())
}

/// "That password is too easy to guess." with zxcvbn's reason and its most useful suggestion.
fn too_guessable(feedback: Option<&zxcvbn::feedback::Feedback>) -> String {
    use zxcvbn::feedback::Suggestion;
    let mut message = String::from("That password is too easy to guess.");
    let warning = feedback.and_then(|f| f.warning());
    if let Some(warning) = warning {
        message.push(' ');
        message.push_str(&warning.to_string());
    }
    // "No need for symbols..." alone tells nobody what to do instead.
    let suggestion = feedback
        .and_then(|f| {
            f.suggestions()
                .iter()
                .find(|s| **s != Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters)
                .copied()
        })
        .unwrap_or(Suggestion::AddAnotherWordOrTwo);
    message.push(' ');
    message.push_str(&suggestion.to_string());
    message
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
    fn length_is_10_to_128_characters() {
        let ten = check_rules("kq7#vmp2xw", "a@b.c");
        assert!(ten.is_ok(), "{ten:?}");
        assert_eq!(
            check_rules("short", "a@b.c"),
            Err("Use at least 10 characters.".into())
        );
        // Characters, not bytes: ten letters with accents are long enough.
        assert!(check_rules("ŝŭćçéèêëōū", "a@b.c").is_ok());
        let long = "violet canyon ledger ".repeat(7);
        assert_eq!(
            check_rules(&long, "a@b.c"),
            Err("Use at most 128 characters.".into())
        );
    }

    #[test]
    fn common_and_guessable_passwords_are_refused_with_a_reason() {
        for weak in [
            "Password123",
            "password123!",
            "1234567890",
            "qwertyuiop12",
            "iloveyou12",
            "aaaaaaaaaaaa",
        ] {
            let error = check_rules(weak, "a@b.c").expect_err(weak);
            assert!(
                error.starts_with("That password is too easy to guess."),
                "{weak}: {error}"
            );
            assert!(error.len() > "That password is too easy to guess.".len());
        }
        let common = check_rules("Password123", "a@b.c").expect_err("common");
        assert!(common.contains("common password"), "{common}");
    }

    #[test]
    fn the_email_and_the_product_name_are_refused() {
        assert_eq!(
            check_rules("ann@example.com", "ann@example.com"),
            Err("Your password must not contain your email address.".into())
        );
        assert_eq!(
            check_rules("my ANN@example.com key", "ann@example.com"),
            Err("Your password must not contain your email address.".into())
        );
        assert_eq!(
            check_rules("Rehearse violet canyon", "a@b.c"),
            Err("Your password must not contain the name of this site, Rehearse.".into())
        );
    }

    #[test]
    fn the_local_part_of_the_email_makes_a_password_guessable() {
        // Strong for a stranger, but it is the person's own user name with a year.
        assert!(check_rules("quillfeather2024", "someone@example.com").is_ok());
        assert!(check_rules("quillfeather2024", "quillfeather@example.com").is_err());
    }

    #[test]
    fn passphrases_pass() {
        for good in [
            "correct horse battery",
            "violet canyon ledger 58",
            "harbour lantern drill 7319",
        ] {
            assert_eq!(check_rules(good, "ann@example.com"), Ok(()), "{good}");
        }
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
