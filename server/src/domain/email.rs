//! Email addresses: one login per person, compared case-insensitively.

/// The longest address (RFC 5321's path limit, rounded as most systems do).
pub const MAX_LEN: usize = 320;

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an email address")]
pub struct InvalidEmail;

/// An address as the person typed it (trimmed), with its lower-cased form used for lookups and
/// uniqueness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// As typed, for display and for sending.
    pub display: String,
    /// Lower-cased, for lookups and the unique index.
    pub lower: String,
}

impl Email {
    /// A deliberately plain check: something@domain.tld, no spaces, at most 320 bytes. The real
    /// test of an address is the email we send to it.
    ///
    /// # Errors
    /// The text is not shaped like an address.
    pub fn parse(s: &str) -> Result<Self, InvalidEmail> {
        let s = s.trim();
        let (local, domain) = s.split_once('@').ok_or(InvalidEmail)?;
        let ok = s.len() <= MAX_LEN
            && !local.is_empty()
            && local.len() <= 64
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(InvalidEmail);
        }
        Ok(Self {
            display: s.to_owned(),
            lower: s.to_lowercase(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_compare_case_insensitively() {
        let a = Email::parse(" Ada@Example.COM ");
        assert_eq!(a.as_ref().map(|e| e.lower.as_str()), Ok("ada@example.com"));
        assert_eq!(a.map(|e| e.display), Ok("Ada@Example.COM".to_owned()));
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.d",
        ] {
            assert_eq!(Email::parse(bad), Err(InvalidEmail), "{bad:?}");
        }
    }
}
