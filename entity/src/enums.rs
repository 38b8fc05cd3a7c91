//! String-valued enums stored in `varchar` columns, so both backends share one representation
//! and adding a variant needs no `ALTER TYPE`.
use sea_orm::entity::prelude::*;

/// What an organization is within its tenant's tree (`organizations.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OrganizationKind {
    /// The root of the tree: the corporate customer itself.
    #[sea_orm(string_value = "tenant")]
    Tenant,
    /// A client company under the tenant.
    #[sea_orm(string_value = "client")]
    Client,
}

/// A person's tenant-level role (`memberships.role`, `invitations.role`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum MembershipRole {
    /// Tenant admin: manages organizations, sites, groups, users and grants.
    #[sea_orm(string_value = "admin")]
    Admin,
    /// Ordinary member: reaches devices only through grants.
    #[sea_orm(string_value = "member")]
    Member,
}

/// How Fleetwarden obtains Particle tokens for a product (`particle_products.mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ProductMode {
    /// Customer-scoped tokens minted for each tenant's shadow customer (two-legged auth).
    #[sea_orm(string_value = "shadow_customer")]
    ShadowCustomer,
    /// One product-wide token for every tenant.
    #[sea_orm(string_value = "product_token")]
    ProductToken,
}

/// What a function catalog entry describes (`catalog_entries.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CatalogKind {
    /// A cloud function that can be called.
    #[sea_orm(string_value = "function")]
    Function,
    /// A cloud variable that can be read.
    #[sea_orm(string_value = "variable")]
    Variable,
}

/// What a grant reaches (`grants.scope_kind`); the matching `scope_*` column names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum GrantScopeKind {
    /// One device (`scope_device_id`).
    #[sea_orm(string_value = "device")]
    Device,
    /// Every device placed at a site (`scope_site_id`).
    #[sea_orm(string_value = "site")]
    Site,
    /// Every device at the sites of an organization (`scope_organization_id`).
    #[sea_orm(string_value = "organization")]
    Organization,
    /// Every device of the tenant.
    #[sea_orm(string_value = "tenant")]
    Tenant,
}
