//! casbin policy lines for tenants' custom roles; `v1` is the tenant domain.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CasbinRules::Table)
                    .col(big_pk_auto(CasbinRules::Id))
                    .col(string_len(CasbinRules::Ptype, 12))
                    .col(string_len(CasbinRules::V0, 255).default(""))
                    .col(string_len(CasbinRules::V1, 255).default(""))
                    .col(string_len(CasbinRules::V2, 255).default(""))
                    .col(string_len(CasbinRules::V3, 255).default(""))
                    .col(string_len(CasbinRules::V4, 255).default(""))
                    .col(string_len(CasbinRules::V5, 255).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_casbin_rules_ptype_v1")
                    .table(CasbinRules::Table)
                    .col(CasbinRules::Ptype)
                    .col(CasbinRules::V1)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CasbinRules::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CasbinRules {
    Table,
    Id,
    Ptype,
    V0,
    V1,
    V2,
    V3,
    V4,
    V5,
}
