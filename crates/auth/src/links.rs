//! The secrets inside mailed links (confirming an address, resetting a password).
//!
//! A secret is 32 bytes from the operating system's generator, written as 64 hex characters so it
//! goes into a URL as is. Only its SHA-256 is stored: a fast hash is enough because the secret
//! has 256 bits of entropy (nothing to guess), and a copy of the database then holds no working
//! link. Single use and expiry are the database's job ([`rehearse_db::CredentialRepo`]).

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// Characters in a secret.
pub const SECRET_LEN: usize = 64;

/// A fresh link secret.
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_LEN / 2];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// What is stored for `secret`: its SHA-256 in hex.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Whether `candidate` could be a secret at all (so that junk is refused before any query).
pub fn well_formed(candidate: &str) -> bool {
    candidate.len() == SECRET_LEN && candidate.bytes().all(|b| b.is_ascii_hexdigit())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fresh_well_formed_and_stored_only_as_digests() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert!(well_formed(&a), "{a}");
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), a);
        assert_eq!(digest(&a), digest(&a));
        assert!(!well_formed("not-a-secret"));
        assert!(!well_formed(&"g".repeat(SECRET_LEN)));
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
