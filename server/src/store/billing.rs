//! Plans, subscriptions and issued invoices.
use chrono::{DateTime, NaiveDate, Utc};
use entity::{invoice, plan, subscription};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

/// A new plan's terms.
pub struct NewPlan<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub included_seats: i32,
    pub monthly_price_minor: i64,
    pub extra_seat_price_minor: i64,
    pub currency: &'a str,
    pub max_seats: Option<i32>,
    pub history_retention_days: Option<i32>,
}

/// Every plan, by code.
///
/// # Errors
/// Database failures.
pub async fn plans(db: &impl ConnectionTrait) -> Result<Vec<plan::Model>, DbErr> {
    plan::Entity::find()
        .order_by_asc(plan::Column::Code)
        .all(db)
        .await
}

/// One plan.
///
/// # Errors
/// Database failures.
pub async fn plan(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<plan::Model>, DbErr> {
    plan::Entity::find_by_id(id).one(db).await
}

/// Stores a plan.
///
/// # Errors
/// `UniqueConstraintViolation` for a code in use; database failures.
pub async fn insert_plan(
    db: &impl ConnectionTrait,
    new: NewPlan<'_>,
    now: DateTime<Utc>,
) -> Result<plan::Model, DbErr> {
    plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(new.code.to_owned()),
        name: Set(new.name.to_owned()),
        included_seats: Set(new.included_seats),
        monthly_price_cents: Set(new.monthly_price_minor),
        extra_seat_price_cents: Set(new.extra_seat_price_minor),
        currency: Set(new.currency.to_owned()),
        max_seats: Set(new.max_seats),
        history_retention_days: Set(new.history_retention_days),
        is_default: Set(false),
        created_at: Set(now),
        archived_at: Set(None),
    }
    .insert(db)
    .await
}

/// Saves a changed plan.
///
/// # Errors
/// Database failures.
pub async fn save_plan(
    db: &impl ConnectionTrait,
    changed: plan::ActiveModel,
) -> Result<plan::Model, DbErr> {
    changed.update(db).await
}

/// Makes `id` the only default plan.
///
/// # Errors
/// Database failures.
pub async fn make_default(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    plan::Entity::update_many()
        .col_expr(
            plan::Column::IsDefault,
            sea_orm::sea_query::Expr::value(false),
        )
        .filter(plan::Column::Id.ne(id))
        .exec(db)
        .await?;
    plan::Entity::update_many()
        .col_expr(
            plan::Column::IsDefault,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(plan::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// The plan new tenants start on.
///
/// # Errors
/// Database failures.
pub async fn default_plan(db: &impl ConnectionTrait) -> Result<Option<plan::Model>, DbErr> {
    plan::Entity::find()
        .filter(plan::Column::IsDefault.eq(true))
        .filter(plan::Column::ArchivedAt.is_null())
        .one(db)
        .await
}

/// A tenant's subscriptions with their plans, oldest first.
///
/// # Errors
/// Database failures.
pub async fn subscriptions(
    db: &impl ConnectionTrait,
    tenant: Uuid,
) -> Result<Vec<(subscription::Model, plan::Model)>, DbErr> {
    let rows = subscription::Entity::find()
        .filter(subscription::Column::TenantId.eq(tenant))
        .order_by_asc(subscription::Column::StartsAt)
        .order_by_asc(subscription::Column::Id)
        .find_also_related(plan::Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, p)| Some((s, p?)))
        .collect())
}

/// Ends the tenant's current subscription at `now` and starts one on `plan` from `now`.
///
/// # Errors
/// Database failures.
pub async fn subscribe(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    plan: Uuid,
    now: DateTime<Utc>,
) -> Result<subscription::Model, DbErr> {
    subscription::Entity::update_many()
        .col_expr(
            subscription::Column::EndsAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(subscription::Column::TenantId.eq(tenant))
        .filter(
            Condition::any()
                .add(subscription::Column::EndsAt.is_null())
                .add(subscription::Column::EndsAt.gt(now)),
        )
        .exec(db)
        .await?;
    subscription::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        plan_id: Set(plan),
        starts_at: Set(now),
        ends_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

/// Tenants whose plan in force at `at` keeps device history for its own number of days, with
/// those days.
///
/// # Errors
/// Database failures.
pub async fn history_retention_at(
    db: &impl ConnectionTrait,
    at: DateTime<Utc>,
) -> Result<Vec<(Uuid, i32)>, DbErr> {
    let rows = subscription::Entity::find()
        .filter(subscription::Column::StartsAt.lte(at))
        .filter(
            Condition::any()
                .add(subscription::Column::EndsAt.is_null())
                .add(subscription::Column::EndsAt.gt(at)),
        )
        .find_also_related(plan::Entity)
        .filter(plan::Column::HistoryRetentionDays.is_not_null())
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, p)| Some((s.tenant_id, p?.history_retention_days?)))
        .collect())
}

/// Tenants with a subscription touching [`from`, `until`).
///
/// # Errors
/// Database failures.
pub async fn subscribed_between(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbErr> {
    let mut tenants: Vec<Uuid> = subscription::Entity::find()
        .filter(subscription::Column::StartsAt.lt(until))
        .filter(
            Condition::any()
                .add(subscription::Column::EndsAt.is_null())
                .add(subscription::Column::EndsAt.gt(from)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.tenant_id)
        .collect();
    tenants.sort_unstable();
    tenants.dedup();
    Ok(tenants)
}

/// A tenant's issued invoices, newest period first.
///
/// # Errors
/// Database failures.
pub async fn invoices(
    db: &impl ConnectionTrait,
    tenant: Uuid,
) -> Result<Vec<invoice::Model>, DbErr> {
    invoice::Entity::find()
        .filter(invoice::Column::TenantId.eq(tenant))
        .order_by_desc(invoice::Column::PeriodStart)
        .all(db)
        .await
}

/// The tenant's invoice for the period starting `period_start`, if issued.
///
/// # Errors
/// Database failures.
pub async fn invoice_for(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    period_start: NaiveDate,
) -> Result<Option<invoice::Model>, DbErr> {
    invoice::Entity::find()
        .filter(invoice::Column::TenantId.eq(tenant))
        .filter(invoice::Column::PeriodStart.eq(period_start))
        .one(db)
        .await
}

/// Stores an issued invoice.
///
/// # Errors
/// `UniqueConstraintViolation` when the period is already invoiced (another instance closed
/// it first); database failures.
pub async fn insert_invoice(
    db: &impl ConnectionTrait,
    row: invoice::Model,
) -> Result<invoice::Model, DbErr> {
    invoice::ActiveModel::from(row).insert(db).await
}
