//! JSON wire types: every request and response body of the HTTP API. Serde-only, so the WASM
//! dashboard compiles them too; the server adds OpenAPI schemas with the `openapi` feature.
//!
//! A field that holds one of a closed set of values is an enum (`rename_all = "snake_case"`),
//! so the document lists the values and a misspelt one does not compile on either side.

/// `ALL`, `as_str`, `parse` and `Display` for a closed set, from its variants' wire names
/// (each enum's test holds these to what serde writes).
macro_rules! closed_set {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Its name on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value named `text` on the wire.
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.as_str() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod auth;
pub mod billing;
pub mod directory;
pub mod error;
pub mod families;
pub mod health;
pub mod history;
pub mod products;
pub mod sharing;
pub mod tenancy;

#[cfg(test)]
mod tests {
    use crate::{auth, directory, health, products, sharing, tenancy};

    /// `as_str` and `parse` name each value as serde writes and reads it.
    macro_rules! wire_names {
        ($($set:ty),+ $(,)?) => {$(
            for value in <$set>::ALL.iter().copied() {
                let json = serde_json::to_value(value).ok();
                assert_eq!(json, Some(serde_json::Value::from(value.as_str())), "{value:?}");
                let back: Option<$set> = json.and_then(|json| serde_json::from_value(json).ok());
                assert_eq!(back, Some(value));
                assert_eq!(<$set>::parse(value.as_str()), Some(value));
            }
            assert_eq!(<$set>::parse("unknown"), None);
        )+};
    }

    #[test]
    fn closed_sets_name_their_values_as_serde_does() {
        wire_names!(
            auth::AuthenticatedBy,
            directory::OrganizationKind,
            health::HealthStatus,
            products::CatalogKind,
            products::ProductMode,
            sharing::LinkKind,
            sharing::ScopeKind,
            sharing::SubjectKind,
            tenancy::InvitationStatus,
            tenancy::MembershipRole,
        );
    }
}
