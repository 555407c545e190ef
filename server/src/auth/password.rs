//! Password hashing with argon2id (OWASP parameters: m = 19 MiB, t = 2, p = 1), run off the async
//! runtime. Verification of an unknown user costs the same as of a known one.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password task failed")]
    Join,
}

fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let params =
        Params::new(19 * 1024, 2, 1, None).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes synchronously (PHC string with salt and parameters).
pub fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Hashes on the blocking pool.
pub async fn hash(password: String) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|_| PasswordError::Join)?
}

/// A hash of a random secret, verified against when the user is unknown so that an unknown user
/// name and a wrong password take the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let secret = crate::auth::password::random_password();
        hash_blocking(&secret).unwrap_or_default()
    })
}

/// Verifies on the blocking pool; `None` verifies against the dummy hash and always fails.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, PasswordError> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let ok = match PasswordHash::new(&phc) {
            Ok(parsed) => hasher()?
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        };
        Ok(ok && known)
    })
    .await
    .map_err(|_| PasswordError::Join)?
}

/// Warms the dummy hash so the first unknown-user sign-in is not faster than the others.
pub fn warm_up() {
    let _ = dummy_hash();
}

/// A random 20-character password from an unambiguous alphabet (bootstrap, CLI).
pub fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash("correct horse battery".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify("correct horse battery".into(), Some(h.clone()))
                .await
                .expect("verify")
        );
        assert!(!verify("wrong".into(), Some(h)).await.expect("verify"));
        assert!(!verify("anything".into(), None).await.expect("verify"));
        assert!(
            !verify("x".into(), Some("not a hash".into()))
                .await
                .expect("verify")
        );
    }

    #[test]
    fn random_passwords_differ() {
        let a = random_password();
        assert_eq!(a.len(), 20);
        assert_ne!(a, random_password());
    }
}
