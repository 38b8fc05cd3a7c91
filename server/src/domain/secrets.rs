//! Bearer secrets (session ids, API tokens, reset and invitation links): 32 random bytes,
//! shown once, stored only as a SHA-256 hash, compared in constant time.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a secret is for; its prefix tells a reader (and a secret scanner) what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A sign-in session (`fws_…`), also usable as a bearer token.
    Session,
    /// A personal API token (`fw_…`).
    ApiToken,
    /// The CSRF token paired with a session.
    Csrf,
    /// A password-reset link.
    PasswordReset,
    /// An invitation link.
    Invitation,
    /// What a product's Particle webhook presents (`fwh_…`).
    Webhook,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Session => "fws_",
            Self::ApiToken => "fw_",
            Self::Webhook => "fwh_",
            Self::Csrf | Self::PasswordReset | Self::Invitation => "",
        }
    }
}

/// A freshly minted secret: the text to hand out once, and the hash to store.
#[derive(Debug, Clone)]
pub struct Minted {
    /// Give this to the holder; never store or log it.
    pub secret: String,
    /// Store this.
    pub hash: String,
}

/// Mints a secret of the given kind from 32 bytes of OS randomness.
pub fn mint(kind: Kind) -> Minted {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{}{}", kind.prefix(), URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash(&secret);
    Minted { secret, hash }
}

/// The stored form of a secret: lower-case hex SHA-256.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` hashes to `stored_hash`, without a timing side channel.
pub fn matches(secret: &str, stored_hash: &str) -> bool {
    hash(secret).as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

/// Whether a bearer string looks like an API token rather than a session.
pub fn is_api_token(bearer: &str) -> bool {
    bearer.starts_with(Kind::ApiToken.prefix()) && !bearer.starts_with(Kind::Session.prefix())
}

/// The first characters of a token, safe to show in lists so people can tell tokens apart.
pub fn display_prefix(secret: &str) -> String {
    secret.chars().take(10).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_random_and_stored_only_as_hashes() {
        let a = mint(Kind::ApiToken);
        let b = mint(Kind::ApiToken);
        assert!(a.secret.starts_with("fw_") && a.secret.len() == 3 + 43);
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.secret[3..]));
        assert!(matches(&a.secret, &a.hash));
        assert!(!matches(&b.secret, &a.hash));
    }

    #[test]
    fn sessions_and_api_tokens_are_told_apart() {
        assert!(is_api_token(&mint(Kind::ApiToken).secret));
        assert!(!is_api_token(&mint(Kind::Session).secret));
    }
}
