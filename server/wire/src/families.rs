//! Product families and password resets for simple-auth customers (Particle keeps their
//! passwords; Fleetwarden sends the reset email and sets the new one at Particle).
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `POST /api/v1/families` and `PUT /api/v1/families/{id}`: a family and its brand.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FamilyBody {
    /// The name the customers know (emails, the reset page).
    #[cfg_attr(feature = "openapi", schema(max_length = 200, example = "Acme Pumps"))]
    pub name: String,
    /// Buttons and headings, CSS hex (`#0f766e` when left out).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "#1d4ed8",
            pattern = r"^#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$"
        )
    )]
    pub primary_color: Option<String>,
    /// Page background, CSS hex (`#f8fafc` when left out).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
    )]
    pub background_color: Option<String>,
    /// An absolute `https://` URL of the logo.
    #[serde(default)]
    pub logo_url: Option<String>,
    /// The From of the emails: `Name <address>` or an address.
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 400, example = "Acme Pumps <support@acme.example>")
    )]
    pub sender: String,
    /// Web origins of the maker's apps that may call `forgot` from a browser
    /// (`https://app.acme.example`); native apps send no origin and need none.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

/// A product of a family.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FamilyProduct {
    /// Fleetwarden's id of the product.
    pub id: Uuid,
    /// Particle's numeric product id.
    pub particle_id: i64,
    /// Its name.
    pub name: String,
}

/// A family as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FamilyResponse {
    /// Its id.
    pub id: Uuid,
    /// The name customers know.
    pub name: String,
    /// CSS hex.
    pub primary_color: String,
    /// CSS hex.
    pub background_color: String,
    /// The logo, if any.
    pub logo_url: Option<String>,
    /// The From of its emails.
    pub sender: String,
    /// Origins allowed to call `forgot` from a browser.
    pub allowed_origins: Vec<String>,
    /// Its simple-auth products.
    pub products: Vec<FamilyProduct>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// `PUT /api/v1/products/{id}/simple-auth`: the product has simple-auth customers, whose
/// resets carry this family's brand.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimpleAuthBody {
    /// The family.
    pub family_id: Uuid,
}

/// `POST /api/v1/simple-auth/{product}/password/forgot`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerForgotRequest {
    /// The customer's email, any case (Particle keeps it lower-cased).
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 320, pattern = r"^[^\u0000]*$")
    )]
    pub email: String,
}

/// The answer to `forgot`, the same whether or not the email is a customer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerForgotAccepted {
    /// What to tell the person.
    pub message: String,
}
