//! Particle OAuth client secrets encrypted at rest (XChaCha20-Poly1305), with a key from
//! settings or, in the embedded default, from a key file created next to the data.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};

/// Encrypts and decrypts stored secrets.
#[derive(Clone)]
pub struct SecretBox(XChaCha20Poly1305);

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(…)")
    }
}

impl SecretBox {
    /// From a base64 32-byte key.
    ///
    /// # Errors
    /// The key isn't base64 of 32 bytes.
    pub fn from_base64(key: &SecretString) -> anyhow::Result<Self> {
        let bytes = STANDARD.decode(key.expose_secret().trim()).map_err(|_| {
            anyhow::anyhow!("particle.secret_key (FW_PARTICLE__SECRET_KEY) is not base64")
        })?;
        if bytes.len() != 32 {
            anyhow::bail!("particle.secret_key (FW_PARTICLE__SECRET_KEY) must be 32 bytes");
        }
        Ok(Self(XChaCha20Poly1305::new(
            chacha20poly1305::Key::from_slice(&bytes),
        )))
    }

    /// The key in `path`, created (owner-only) with a random key when missing.
    ///
    /// # Errors
    /// The file can't be read or written, or holds a bad key.
    pub fn from_key_file(path: &std::path::Path) -> anyhow::Result<Self> {
        if !path.exists() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let key = XChaCha20Poly1305::generate_key(&mut OsRng);
            std::fs::write(path, STANDARD.encode(key))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
            }
        }
        let text = std::fs::read_to_string(path)?;
        Self::from_base64(&SecretString::from(text))
    }

    /// `base64(nonce ‖ ciphertext)`.
    ///
    /// # Errors
    /// Never in practice (the cipher accepts any plaintext).
    pub fn seal(&self, secret: &str) -> anyhow::Result<String> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .0
            .encrypt(&nonce, secret.as_bytes())
            .map_err(|_| anyhow::anyhow!("encrypting a secret failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// The secret back.
    ///
    /// # Errors
    /// Sealed with another key, or damaged.
    pub fn open(&self, sealed: &str) -> anyhow::Result<SecretString> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| anyhow::anyhow!("stored secret is damaged"))?;
        if bytes.len() < 24 {
            anyhow::bail!("stored secret is damaged");
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let plain = self
            .0
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| {
                anyhow::anyhow!("stored secret was sealed with another particle.secret_key")
            })?;
        Ok(SecretString::from(String::from_utf8(plain)?))
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_never_shows_in_clear() {
        let key = SecretString::from(STANDARD.encode([7u8; 32]));
        let other = SecretString::from(STANDARD.encode([8u8; 32]));
        let sealed = SecretBox::from_base64(&key)
            .unwrap()
            .seal("s3cret-client")
            .unwrap();
        assert!(!sealed.contains("s3cret"));
        let opened = SecretBox::from_base64(&key).unwrap().open(&sealed).unwrap();
        assert_eq!(opened.expose_secret(), "s3cret-client");
        assert!(
            SecretBox::from_base64(&other)
                .unwrap()
                .open(&sealed)
                .is_err()
        );
        assert!(SecretBox::from_base64(&SecretString::from("short".to_owned())).is_err());
    }
}
