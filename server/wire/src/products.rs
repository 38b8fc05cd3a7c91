//! Particle products, their function catalogs, and onboarding devices (operators).
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How Fleetwarden obtains Particle tokens for a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProductMode {
    /// One product-wide token; devices stay unclaimed (Particle's current advice).
    ProductToken,
    /// Each tenant's devices are claimed by a customer of its own, with its own tokens.
    ShadowCustomer,
}

closed_set!(ProductMode {
    ProductToken => "product_token",
    ShadowCustomer => "shadow_customer",
});

/// What a catalog entry describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CatalogKind {
    /// A cloud function that can be called.
    Function,
    /// A cloud variable that can be read.
    Variable,
}

closed_set!(CatalogKind {
    Function => "function",
    Variable => "variable",
});

/// `POST /api/v1/products`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    /// Particle's numeric product id.
    pub particle_id: i64,
    /// Name shown to people.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub name: String,
    /// Particle's slug, if any.
    #[serde(default)]
    pub slug: Option<String>,
    /// `product_token` (devices stay unclaimed; Particle's current advice) or
    /// `shadow_customer` (each tenant's devices are claimed by a customer of its own).
    pub mode: ProductMode,
    /// The product's two-legged OAuth client id.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub client_id: String,
    /// Its secret; stored encrypted, never shown again.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 500,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub client_secret: String,
}

/// A product (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductResponse {
    /// Id.
    pub id: Uuid,
    /// Particle's product id.
    pub particle_id: i64,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: Option<String>,
    /// How its tokens are obtained.
    pub mode: ProductMode,
    /// OAuth client id.
    pub client_id: String,
    /// Registered.
    pub created_at: DateTime<Utc>,
}

/// A product as listed: everyone sees its id and name; the operator's detail is there for
/// platform admins only, absent for everyone else.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductListing {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Particle's product id (platform admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub particle_id: Option<i64>,
    /// Slug, when it has one (platform admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// How its tokens are obtained (platform admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ProductMode>,
    /// OAuth client id (platform admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Registered (platform admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
}

impl ProductListing {
    /// The listing of a product without the operator's detail.
    pub fn named(id: Uuid, name: String) -> Self {
        Self {
            id,
            name,
            particle_id: None,
            slug: None,
            mode: None,
            client_id: None,
            created_at: None,
        }
    }
}

impl From<ProductResponse> for ProductListing {
    fn from(p: ProductResponse) -> Self {
        Self {
            particle_id: Some(p.particle_id),
            slug: p.slug,
            mode: Some(p.mode),
            client_id: Some(p.client_id),
            created_at: Some(p.created_at),
            ..Self::named(p.id, p.name)
        }
    }
}

/// One function or variable of a product, with the action it asks for.
/// What a function's argument is, so the dashboard draws a control that fits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ArgumentSpec {
    /// No argument: a button.
    None,
    /// A number in a range (inclusive), in a unit.
    Number {
        /// Shown beside the field, e.g. `bar`.
        #[serde(default)]
        unit: Option<String>,
        /// The smallest accepted.
        min: f64,
        /// The largest accepted.
        max: f64,
    },
    /// One of a few words.
    Choice {
        /// The accepted words (1 to 20).
        options: Vec<String>,
    },
    /// Free text.
    Text {
        /// The longest accepted, in bytes.
        max_length: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    /// A function or a variable.
    pub kind: CatalogKind,
    /// The firmware's name for it, e.g. `setPressure`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_]{1,64}$"))]
    pub name: String,
    /// `device.function.call`, `device.function.call.<name>` or `device.variable.read`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^device\.(variable\.read|function\.call(\.[a-z0-9_]+)?)$")
    )]
    pub action: String,
    /// What it does.
    #[serde(default)]
    pub description: Option<String>,
    /// The label of its control or value, e.g. `Pressure`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub label: Option<String>,
    /// A function's argument (absent: any text, as the cloud takes it).
    #[serde(default)]
    pub argument: Option<ArgumentSpec>,
    /// A function the dashboard asks to confirm before calling (a reset).
    #[serde(default)]
    pub confirm: bool,
}

/// `PUT /api/v1/products/{id}/catalog`: the whole catalog.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CatalogBody {
    /// Every function and variable that may be used.
    pub entries: Vec<CatalogEntry>,
}

/// `POST /api/v1/tenants/{tenant}/devices`: onboard a device.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OnboardDevice {
    /// Particle device id (24 hex).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-fA-F]{24}$"))]
    pub id: String,
    /// The product it belongs to.
    pub product_id: Uuid,
    /// Name shown to people.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub name: String,
    /// Site to place it at.
    #[serde(default)]
    pub site_id: Option<Uuid>,
}

/// `POST /api/v1/devices/{id}/transfer`: move a device to another tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferDevice {
    /// The tenant that gets the device.
    pub tenant_id: Uuid,
    /// A site of that tenant to place it at; unplaced if absent.
    #[serde(default)]
    pub site_id: Option<Uuid>,
    /// A new name; the old one is kept if absent.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub name: Option<String>,
}

/// What happened to one line of a CSV batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BatchOutcome {
    /// Onboarded now.
    Onboarded,
    /// It was in this tenant already (a batch sent again).
    AlreadyOnboarded,
    /// Particle or a conflict refused it; see `error`.
    Failed,
}

/// One line of a CSV batch and its outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRow {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    /// Device id (lower-case).
    pub id: String,
    /// What happened.
    pub outcome: BatchOutcome,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::error::ErrorBody>,
}

/// `POST /api/v1/tenants/{tenant}/devices/batch`: the outcome of every line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchResult {
    /// Devices onboarded now.
    pub onboarded: usize,
    /// Devices that were in the tenant already.
    pub already_onboarded: usize,
    /// Devices refused.
    pub failed: usize,
    /// Every line, in file order.
    pub rows: Vec<BatchRow>,
}
