//! sea-orm queries, one module per aggregate. Every function takes `db: &impl ConnectionTrait`
//! so it also runs inside a transaction beside its audit record.
pub mod users;
