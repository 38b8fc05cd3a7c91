//! A plan's seat limit: giving one more person a seat (accepting an invitation, a grant to
//! someone without one) beyond the plan's maximum is refused. Nothing that removes people is
//! ever checked.
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{plan_at, terms};
use crate::domain::billing::would_exceed;
use crate::store;
use crate::tenancy::TenancyError;

/// 409 when seating `person` in `tenant` at `now` would pass its plan's maximum, saying the
/// limit and who can raise it.
///
/// # Errors
/// As above; database failures.
pub async fn check(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    person: Uuid,
    now: DateTime<Utc>,
) -> Result<(), TenancyError> {
    let Some(plan) = plan_at(db, tenant, now).await? else {
        return Ok(());
    };
    if plan.max_seats.is_none() {
        return Ok(());
    }
    let seated = store::seats::seated_people(db, tenant, now).await?;
    let count = u32::try_from(seated.len()).unwrap_or(u32::MAX);
    match would_exceed(&terms(&plan)?, count, seated.contains(&person)) {
        Some(exceeded) => Err(TenancyError::SeatLimit(exceeded.to_string())),
        None => Ok(()),
    }
}
