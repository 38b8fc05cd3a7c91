//! sea-orm entities, one module per table, in the SeaORM 2.0 dense format. The schema itself is
//! owned by the `migration` crate; these definitions mirror it.
pub mod enums;

pub mod api_token;
pub mod audit_diverted;
pub mod audit_record;
pub mod casbin_rule;
pub mod catalog_entry;
pub mod change_log;
pub mod change_log_reader;
pub mod customer_password_change;
pub mod customer_password_update;
pub mod customer_reset_token;
pub mod device;
pub mod device_event;
pub mod grant;
pub mod group;
pub mod group_member;
pub mod invitation;
pub mod invoice;
pub mod login_throttle;
pub mod membership;
pub mod organization;
pub mod particle_product;
pub mod password_reset_token;
pub mod plan;
pub mod product_family;
pub mod role;
pub mod seat_span;
pub mod seat_usage;
pub mod session;
pub mod shadow_customer;
pub mod site;
pub mod subscription;
pub mod user;

/// Every entity under its table's singular name, plus the enums.
pub mod prelude {
    pub use super::api_token::Entity as ApiToken;
    pub use super::audit_diverted::Entity as AuditDiverted;
    pub use super::audit_record::Entity as AuditRecord;
    pub use super::casbin_rule::Entity as CasbinRule;
    pub use super::catalog_entry::Entity as CatalogEntry;
    pub use super::change_log::Entity as ChangeLog;
    pub use super::change_log_reader::Entity as ChangeLogReader;
    pub use super::customer_password_change::Entity as CustomerPasswordChange;
    pub use super::customer_password_update::Entity as CustomerPasswordUpdate;
    pub use super::customer_reset_token::Entity as CustomerResetToken;
    pub use super::device::Entity as Device;
    pub use super::device_event::Entity as DeviceEvent;
    pub use super::enums::{
        CatalogKind, GrantScopeKind, MembershipRole, OrganizationKind, ProductMode,
    };
    pub use super::grant::Entity as Grant;
    pub use super::group::Entity as Group;
    pub use super::group_member::Entity as GroupMember;
    pub use super::invitation::Entity as Invitation;
    pub use super::invoice::Entity as Invoice;
    pub use super::login_throttle::Entity as LoginThrottle;
    pub use super::membership::Entity as Membership;
    pub use super::organization::Entity as Organization;
    pub use super::particle_product::Entity as ParticleProduct;
    pub use super::password_reset_token::Entity as PasswordResetToken;
    pub use super::plan::Entity as Plan;
    pub use super::product_family::Entity as ProductFamily;
    pub use super::role::Entity as Role;
    pub use super::seat_span::Entity as SeatSpan;
    pub use super::seat_usage::Entity as SeatUsage;
    pub use super::session::Entity as Session;
    pub use super::shadow_customer::Entity as ShadowCustomer;
    pub use super::site::Entity as Site;
    pub use super::subscription::Entity as Subscription;
    pub use super::user::Entity as User;
}
