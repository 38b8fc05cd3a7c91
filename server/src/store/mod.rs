//! sea-orm queries, one module per aggregate. Every function takes `db: &impl ConnectionTrait`
//! so it also runs inside a transaction beside its audit record.
pub mod api_tokens;
pub mod audit_log;
pub mod change_log;
pub mod directory;
pub mod grants;
pub mod invitations;
pub mod memberships;
pub mod organizations;
pub mod reset_tokens;
pub mod sessions;
pub mod throttles;
pub mod users;
