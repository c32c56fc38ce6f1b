use validator::ValidateEmail;

/// The longest address SMTP allows.
const MAX_EMAIL_LEN: usize = 254;

/// Parses an email address into the form accounts are keyed by: trimmed and lowercased.
/// Lowercasing the local part is a deliberate simplification: no mainstream provider treats
/// `Ann@x` and `ann@x` as different people, and allowing both would let one person hold two
/// accounts that look identical.
pub fn normalise(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("Enter your email address.");
    }
    if email.len() > MAX_EMAIL_LEN {
        return Err("That email address is too long.");
    }
    if !email.validate_email() {
        return Err("Enter a valid email address, like name@example.com.");
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_space() {
        assert_eq!(
            normalise("  Ann@Example.COM ").as_deref(),
            Ok("ann@example.com")
        );
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@@example.com",
            "a b@example.com",
        ] {
            assert!(normalise(bad).is_err(), "{bad:?} accepted");
        }
        assert!(normalise(&format!("{}@example.com", "a".repeat(250))).is_err());
    }
}
