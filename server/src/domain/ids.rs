//! Identifier newtypes. UUIDv7 on the wire for everything we mint; Particle's own 24-hex ids
//! for devices.
use std::fmt;

use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize,
            serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (v7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses the text form.
            ///
            /// # Errors
            /// The text is not a UUID.
            pub fn parse(s: &str) -> Result<Self, uuid::Error> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

uuid_id!(
    /// A user account.
    UserId
);
uuid_id!(
    /// A tenant: the root organization of a corporate customer.
    TenantId
);
uuid_id!(
    /// An organization node (a tenant root or a client company under it).
    OrganizationId
);
uuid_id!(
    /// A site, where devices are placed.
    SiteId
);
uuid_id!(
    /// A group of people.
    GroupId
);
uuid_id!(
    /// A role (built-in or a tenant's custom one).
    RoleId
);
uuid_id!(
    /// A grant.
    GrantId
);
uuid_id!(
    /// A registered Particle product (ours, not Particle's numeric id).
    ProductId
);
uuid_id!(
    /// A personal API token.
    TokenId
);
uuid_id!(
    /// An invitation.
    InvitationId
);
uuid_id!(
    /// A sign-in session.
    SessionId
);

/// A Particle device id: 24 hexadecimal characters, always kept lower-case because Particle
/// mishandles upper-case ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(String);

/// Why a device id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a device id is 24 hexadecimal characters")]
pub struct InvalidDeviceId;

impl DeviceId {
    /// Accepts any case and stores lower-case.
    ///
    /// # Errors
    /// Not exactly 24 hexadecimal characters.
    pub fn parse(s: &str) -> Result<Self, InvalidDeviceId> {
        let s = s.trim();
        if s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(InvalidDeviceId)
        }
    }

    /// The id as stored and sent to Particle.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_are_lower_cased_and_checked() {
        let id = DeviceId::parse("0123456789ABCDEF01234567");
        assert_eq!(
            id.map(|d| d.to_string()),
            Ok("0123456789abcdef01234567".to_owned())
        );
        assert_eq!(
            DeviceId::parse("0123456789abcdef0123456"),
            Err(InvalidDeviceId)
        );
        assert_eq!(
            DeviceId::parse("0123456789abcdef0123456g"),
            Err(InvalidDeviceId)
        );
    }

    #[test]
    fn new_ids_are_uuid_v7_and_ordered() {
        let (a, b) = (UserId::new(), UserId::new());
        assert_eq!(a.0.get_version_num(), 7);
        assert!(a < b);
        assert_eq!(UserId::parse(&a.to_string()).ok(), Some(a));
    }
}
