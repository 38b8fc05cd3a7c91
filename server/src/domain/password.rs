//! Passwords: the policy (length and a list of common ones) and argon2id hashing with OWASP's
//! parameters, kept in the PHC string so a change of parameters can rehash on the next login.
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Fewest characters accepted.
pub const MIN_CHARS: usize = 12;
/// Most bytes accepted; checked before hashing so nobody can make us hash megabytes.
pub const MAX_BYTES: usize = 1024;

const COMMON: &str = include_str!("common_passwords.txt");

/// Why a new password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than [`MIN_CHARS`].
    #[error("must be at least {MIN_CHARS} characters")]
    TooShort,
    /// Longer than [`MAX_BYTES`].
    #[error("must be at most {MAX_BYTES} bytes")]
    TooLong,
    /// On the list of commonly used passwords, or one character repeated.
    #[error("is too common; choose another")]
    Common,
}

/// Checks a password someone wants to set.
///
/// # Errors
/// The first rule it breaks.
pub fn validate(password: &str) -> Result<(), PasswordError> {
    if password.len() > MAX_BYTES {
        return Err(PasswordError::TooLong);
    }
    if password.chars().count() < MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    let lower = password.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) || COMMON.lines().any(|line| line.trim() == lower) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for HashParams {
    /// OWASP's recommendation: m=19456 KiB, t=2, p=1.
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl HashParams {
    fn hasher(self) -> Result<Argon2<'static>, argon2::Error> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
///
/// # Errors
/// Invalid parameters; never the password's content.
pub fn hash(password: &str, params: HashParams) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hasher = params
        .hasher()
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    let phc = hasher
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(phc.to_string())
}

/// Whether `password` matches the stored PHC string (constant-time inside argon2). An
/// unreadable stored hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.len() > MAX_BYTES {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Whether a stored hash was made with other parameters than `params` (so: rehash it).
pub fn needs_rehash(phc: &str, params: HashParams) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let Ok(stored) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm.as_str() != "argon2id"
        || stored.m_cost() != params.memory_kib
        || stored.t_cost() != params.iterations
        || stored.p_cost() != params.parallelism
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::*;

    const CHEAP: HashParams = HashParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[test]
    fn short_long_and_common_passwords_are_refused() {
        assert_eq!(validate("short"), Err(PasswordError::TooShort));
        assert_eq!(
            validate(&"x".repeat(MAX_BYTES + 1)),
            Err(PasswordError::TooLong)
        );
        assert_eq!(validate("Password1234"), Err(PasswordError::Common));
        assert_eq!(validate("aaaaaaaaaaaaaa"), Err(PasswordError::Common));
        assert_eq!(validate("correct horse battery staple"), Ok(()));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(validate("ééééééééééé"), Err(PasswordError::TooShort));
        assert_eq!(validate("éàüößçñøåæœđ"), Ok(()));
    }

    #[test]
    fn hashes_verify_and_record_their_parameters() {
        let phc = hash("correct horse battery staple", HashParams::default()).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapl", &phc));
        assert!(!needs_rehash(&phc, HashParams::default()));
        assert!(needs_rehash(&phc, CHEAP));
        assert!(!verify("anything", "not a hash"));
    }
}
