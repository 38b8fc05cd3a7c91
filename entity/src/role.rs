//! `roles`: the built-in roles (no tenant) and each tenant's custom roles, whose permissions
//! are casbin policy lines in `casbin_rules`.
use sea_orm::entity::prelude::*;

// The built-in ids are seeded by the roles migration and referenced by grants: never change them.

/// The built-in `viewer` role: reads devices, variables and history.
pub const VIEWER_ID: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001);
/// The built-in `operator` role: a viewer who may also call functions.
pub const OPERATOR_ID: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0002);
/// The built-in `manager` role: an operator who may also share access within their scope.
pub const MANAGER_ID: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0003);

/// Built-in roles as `(id, name)`, lowest first.
pub const BUILTIN: [(Uuid, &str); 3] = [
    (VIEWER_ID, "viewer"),
    (OPERATOR_ID, "operator"),
    (MANAGER_ID, "manager"),
];

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `None` for a built-in role.
    #[sea_orm(unique_key = "tenant_name")]
    pub tenant_id: Option<Uuid>,
    #[sea_orm(column_type = "String(StringLen::N(64))", unique_key = "tenant_name")]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub builtin: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<Option<super::organization::Entity>>,
    #[sea_orm(has_many)]
    pub grants: HasMany<super::grant::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
