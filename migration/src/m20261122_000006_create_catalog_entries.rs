//! The function catalog: each product's functions and variables and the action they need.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CatalogEntries::Table)
                    .col(pk_uuid(CatalogEntries::Id))
                    .col(uuid(CatalogEntries::ProductId))
                    .col(string_len(CatalogEntries::Kind, 16))
                    .col(string_len(CatalogEntries::Name, 64))
                    .col(string_len(CatalogEntries::Action, 100))
                    .col(text_null(CatalogEntries::Description))
                    .col(timestamp_with_time_zone(CatalogEntries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_catalog_entries_product_id")
                            .from(CatalogEntries::Table, CatalogEntries::ProductId)
                            .to(ParticleProducts::Table, ParticleProducts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_catalog_entries_product_id_kind_name")
                    .table(CatalogEntries::Table)
                    .col(CatalogEntries::ProductId)
                    .col(CatalogEntries::Kind)
                    .col(CatalogEntries::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CatalogEntries::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CatalogEntries {
    Table,
    Id,
    ProductId,
    Kind,
    Name,
    Action,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ParticleProducts {
    Table,
    Id,
}
