//! sea-orm queries, one module per aggregate, and the one place rows are written: services,
//! the demo seed and the test fixture all build rows here. Every function takes
//! `db: &impl ConnectionTrait` so it also runs inside a change's transaction.
pub mod api_tokens;
pub mod audit_log;
pub mod billing;
pub mod change_log;
pub mod customer_resets;
pub mod device_events;
pub mod devices;
pub mod directory;
pub mod families;
pub mod grants;
pub mod groups;
pub mod invitations;
pub mod memberships;
pub mod organizations;
pub mod products;
pub mod reset_tokens;
pub mod roles;
pub mod seats;
pub mod sessions;
pub mod shadow_customers;
pub mod sites;
pub mod throttles;
pub mod users;
