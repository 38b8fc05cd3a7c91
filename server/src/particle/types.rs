//! The Particle cloud's request and response bodies: what callers pass in and get back, and
//! the lenient wire shapes they are decoded from. Re-exported by [`super::client`], whose
//! paths (`particle::client::Device` and so on) are the public ones.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

/// OAuth client credentials of one Particle product (two-legged auth).
#[derive(Debug, Clone)]
pub struct OAuthClient {
    /// The client id, e.g. `fleetwarden-2146`.
    pub client_id: String,
    /// The client secret, shown once by the Particle console.
    pub client_secret: SecretString,
}

/// An access token minted by the cloud.
#[derive(Debug, Clone)]
pub struct Token {
    /// The bearer token.
    pub access_token: SecretString,
    /// When it stops working; `None` for a token that never expires (`expires_in` 0 or absent).
    pub expires_at: Option<DateTime<Utc>>,
}

/// The answer of a device function.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FunctionResult {
    /// The firmware function's `int` result.
    pub return_value: i64,
    /// Whether the device was connected (always true when it answered).
    #[serde(default = "answered")]
    pub connected: bool,
}

fn answered() -> bool {
    true
}

/// The value of a device variable.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct VariableValue {
    /// The variable's name.
    #[serde(default)]
    pub name: String,
    /// Its value, typed by the firmware (number, string or bool).
    pub result: Value,
}

/// A device as the cloud describes it; every field but `id` is optional on the wire.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "RawDevice")]
pub struct Device {
    /// 24 lower-case hex digits.
    pub id: String,
    /// The device's name, if it has one.
    pub name: Option<String>,
    /// Whether the cloud believes it is connected (may lag for cellular devices).
    pub online: bool,
    /// The product it belongs to (the platform id for developer devices).
    pub product_id: Option<i64>,
    /// The hardware platform.
    pub platform_id: Option<i64>,
    /// Username of the owner, if claimed by a user.
    pub owner: Option<String>,
    /// Id of the owning customer, if claimed by a product customer.
    pub customer_id: Option<String>,
    /// Last time the cloud heard from it.
    pub last_heard: Option<DateTime<Utc>>,
    /// Product firmware version.
    pub firmware_version: Option<i64>,
    /// Serial number, if known.
    pub serial_number: Option<String>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Registered functions (empty while offline, when the cloud sends `null`).
    pub functions: Vec<String>,
    /// Registered variables and their types (`int32`, `double`, `string`, `bool`).
    pub variables: BTreeMap<String, String>,
    /// Whether the product quarantined it.
    pub quarantined: bool,
}

#[derive(Deserialize)]
struct RawDevice {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    online: Option<bool>,
    #[serde(default)]
    connected: Option<bool>,
    #[serde(default)]
    product_id: Option<i64>,
    #[serde(default)]
    platform_id: Option<i64>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    customer_id: Option<String>,
    #[serde(default)]
    last_heard: Option<String>,
    #[serde(default)]
    firmware_version: Option<i64>,
    #[serde(default)]
    serial_number: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    functions: Option<Vec<String>>,
    #[serde(default)]
    variables: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    quarantined: Option<bool>,
}

impl From<RawDevice> for Device {
    fn from(raw: RawDevice) -> Self {
        Self {
            id: raw.id,
            name: raw.name,
            // `connected` is the deprecated spelling of `online`.
            online: raw.online.or(raw.connected).unwrap_or(false),
            product_id: raw.product_id,
            platform_id: raw.platform_id,
            owner: raw.owner,
            customer_id: raw.customer_id,
            // A malformed date is no reason to lose the whole device.
            last_heard: raw
                .last_heard
                .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                .map(|d| d.with_timezone(&Utc)),
            firmware_version: raw.firmware_version,
            serial_number: raw.serial_number,
            notes: raw.notes,
            functions: raw.functions.unwrap_or_default(),
            variables: raw
                .variables
                .unwrap_or_default()
                .into_iter()
                .map(|(name, kind)| {
                    let kind = kind
                        .as_str()
                        .map_or_else(|| kind.to_string(), str::to_owned);
                    (name, kind)
                })
                .collect(),
            quarantined: raw.quarantined.unwrap_or(false),
        }
    }
}

/// A customer listed next to the devices of a product page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductCustomer {
    /// The customer's id.
    pub id: String,
    /// The customer's "email" (for Fleetwarden, the shadow-customer id).
    #[serde(default)]
    pub username: Option<String>,
}

/// One page of a product's devices.
#[derive(Debug, Clone, PartialEq)]
pub struct DevicePage {
    /// The devices on this page.
    pub devices: Vec<Device>,
    /// Customers owning devices on this page.
    pub customers: Vec<ProductCustomer>,
    /// How many pages there are at this page size.
    pub total_pages: u32,
}

#[derive(Deserialize)]
pub(super) struct RawDevicePage {
    #[serde(default)]
    pub(super) devices: Vec<Device>,
    #[serde(default)]
    pub(super) customers: Vec<ProductCustomer>,
    #[serde(default)]
    pub(super) meta: PageMeta,
}

/// `GET /v1/products/:pid/customers` (its device list is not needed).
#[derive(Deserialize)]
pub(super) struct RawCustomerPage {
    #[serde(default)]
    pub(super) customers: Vec<ProductCustomer>,
    #[serde(default)]
    pub(super) meta: PageMeta,
}

#[derive(Default, Deserialize)]
pub(super) struct PageMeta {
    #[serde(default)]
    pub(super) total_pages: Option<u32>,
}

/// The outcome of importing devices into a product. A 200 can still reject the device: check
/// `invalid_device_ids`, `nonmember_device_ids` and `protected_device_ids`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ImportResult {
    /// How many devices were added.
    pub updated: u64,
    /// Devices added by this call.
    pub updated_device_ids: Vec<String>,
    /// Devices that were already in the product.
    pub existing_device_ids: Vec<String>,
    /// Devices that belong to another product or account.
    pub nonmember_device_ids: Vec<String>,
    /// Ids the cloud does not know.
    pub invalid_device_ids: Vec<String>,
    /// Devices under device protection.
    pub protected_device_ids: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct TokenResponse {
    pub(super) access_token: SecretString,
    #[serde(default)]
    pub(super) expires_in: Option<Value>,
}
