//! `catalog_entries`: the function catalog of a product, mapping each function or variable to
//! the action a caller's role must allow.
use sea_orm::entity::prelude::*;

use crate::enums::CatalogKind;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique_key = "product_kind_name")]
    pub product_id: Uuid,
    #[sea_orm(unique_key = "product_kind_name")]
    pub kind: CatalogKind,
    #[sea_orm(
        column_type = "String(StringLen::N(64))",
        unique_key = "product_kind_name"
    )]
    pub name: String,
    /// The casbin action checked before use, e.g. `device.function.call.reset`.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub action: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// The label of its control or value.
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub label: Option<String>,
    /// A function's argument, as the API's `ArgumentSpec` JSON.
    #[sea_orm(column_type = "Json", nullable)]
    pub argument: Option<Json>,
    /// Ask to confirm before calling.
    pub confirm: bool,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "product_id", to = "id", on_delete = "Cascade")]
    pub product: BelongsTo<super::particle_product::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
