//! Seats and billing: plans, a tenant's subscription, its seat usage and bill, and issued
//! invoices. Money is in integer minor units of the plan's ISO 4217 currency.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `POST /api/v1/plans` (platform admins). A plan's prices are fixed once it exists (its
/// subscribers' past days stay billed as they were); make a new plan to change them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePlan {
    /// Short unique code, e.g. `team-5`.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 50, pattern = r"^[a-z0-9][a-z0-9_-]*$")
    )]
    pub code: String,
    /// Name shown on invoices.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub name: String,
    /// Seats the base price covers.
    #[cfg_attr(feature = "openapi", schema(maximum = 1_000_000))]
    pub included_seats: u32,
    /// Base price for a whole month, in minor units.
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 0, maximum = 100_000_000_000_i64)
    )]
    pub monthly_price_minor: i64,
    /// Price of each seat beyond the included ones for a whole month, in minor units.
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 0, maximum = 100_000_000_000_i64)
    )]
    pub extra_seat_price_minor: i64,
    /// ISO 4217 code, e.g. `USD`.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[A-Z]{3}$"))]
    pub currency: String,
    /// Most people at once; accepting an invitation or a grant beyond it is refused.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1_000_000))]
    pub max_seats: Option<u32>,
    /// Keep its tenants' device history this many days instead of the deployment's
    /// `history.retention_days`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 36_500))]
    pub history_retention_days: Option<u32>,
    /// New tenants start on it (it replaces the current default).
    #[serde(default)]
    pub default: bool,
}

/// `PATCH /api/v1/plans/{id}` (platform admins): each field optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdatePlan {
    /// A new name.
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
    /// A new limit; `null` for none.
    #[serde(default, with = "crate::sharing::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>, minimum = 1, maximum = 1_000_000))]
    pub max_seats: Option<Option<u32>>,
    /// Days its tenants' device history is kept; `null`: the deployment's.
    #[serde(default, with = "crate::sharing::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>, minimum = 1, maximum = 36_500))]
    pub history_retention_days: Option<Option<u32>>,
    /// Archive (no new subscribers; the current ones stay) or bring back.
    #[serde(default)]
    pub archived: Option<bool>,
    /// Make it the plan new tenants start on.
    #[serde(default)]
    pub default: Option<bool>,
}

/// A plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanResponse {
    /// Id.
    pub id: Uuid,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Seats the base price covers.
    pub included_seats: u32,
    /// Base price per month, minor units.
    pub monthly_price_minor: i64,
    /// Price per extra seat per month, minor units.
    pub extra_seat_price_minor: i64,
    /// ISO 4217.
    pub currency: String,
    /// Most people at once, if limited.
    pub max_seats: Option<u32>,
    /// Days its tenants' device history is kept, if not the deployment's.
    #[serde(default)]
    pub history_retention_days: Option<u32>,
    /// New tenants start on it.
    pub default: bool,
    /// Archived (keeps its subscribers, takes no new ones).
    pub archived_at: Option<DateTime<Utc>>,
}

/// `PUT /api/v1/tenants/{tenant}/subscription` (platform admins): move the tenant onto a plan
/// from now; each day is billed on the plan in force at its end.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetSubscription {
    /// The plan (not archived).
    pub plan_id: Uuid,
}

/// A tenant's time on one plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionResponse {
    /// Id.
    pub id: Uuid,
    /// The tenant.
    pub tenant_id: Uuid,
    /// The plan.
    pub plan: PlanResponse,
    /// From.
    pub starts_at: DateTime<Utc>,
    /// Until (absent while it holds).
    pub ends_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/tenants/{tenant}/billing` and its CSV export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct BillingQuery {
    /// The month, `YYYY-MM` (UTC); default the current one.
    #[cfg_attr(feature = "openapi", param(pattern = r"^[0-9]{4}-[0-9]{2}$"))]
    pub period: Option<String>,
}

/// What an invoice line charges for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// The plan's base price; quantity in days.
    Base,
    /// Seats beyond the included ones; quantity in seat-days.
    ExtraSeats,
}

closed_set!(LineKind {
    Base => "base",
    ExtraSeats => "extra_seats",
});

/// One invoice line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLineResponse {
    /// The plan's code.
    pub plan_code: String,
    /// Base or extra seats.
    pub kind: LineKind,
    /// What it is, in words.
    pub description: String,
    /// Days, or seat-days.
    pub quantity: u64,
    /// Minor units per day or seat-day (the monthly price over the days of the month), as a
    /// decimal string, not rounded.
    pub unit_price_minor: String,
    /// quantity × unit price, rounded half to even to a whole minor unit.
    pub amount_minor: i64,
}

/// A period's bill as computed now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillView {
    /// `YYYY-MM`.
    pub period: String,
    /// ISO 4217.
    pub currency: String,
    /// The lines.
    pub lines: Vec<InvoiceLineResponse>,
    /// Their sum, minor units.
    pub total_minor: i64,
    /// Days counted as they happened (the whole month once it is over).
    pub days_counted: u32,
    /// Days in the month.
    pub days_in_period: u32,
}

/// Seats on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DaySeats {
    /// The day (UTC).
    pub date: NaiveDate,
    /// Distinct people holding a seat at any moment of it.
    pub seats: u32,
}

/// A tenant's seats and bill for one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillingResponse {
    /// The tenant.
    pub tenant_id: Uuid,
    /// `YYYY-MM`.
    pub period: String,
    /// The plan in force now (absent when the tenant has none).
    pub plan: Option<PlanResponse>,
    /// People holding a seat now.
    pub seats_now: u32,
    /// Said when more people hold seats than the plan includes (each extra one is billed).
    pub warning: Option<String>,
    /// Seats per day of the month (0 for days still to come).
    pub daily: Vec<DaySeats>,
    /// The month's bill: so far for the current month, whole for a past one (absent without a
    /// plan that month).
    pub bill: Option<BillView>,
    /// For the current month, the bill if today's seats and plan held to its end.
    pub projected: Option<BillView>,
    /// The issued invoice, once the month is closed.
    pub invoice: Option<InvoiceResponse>,
}

/// An issued invoice: numbered, never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceResponse {
    /// Id.
    pub id: Uuid,
    /// Number, e.g. `FW-2027-01-0001a2b3`.
    pub number: String,
    /// The tenant.
    pub tenant_id: Uuid,
    /// `YYYY-MM`.
    pub period: String,
    /// ISO 4217.
    pub currency: String,
    /// The lines as issued.
    pub lines: Vec<InvoiceLineResponse>,
    /// Total, minor units.
    pub total_minor: i64,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
}
