//! The domain: plain Rust, no actix and no SQL. Pure rules with their own tests.
pub mod email;
pub mod ids;
pub mod net;
pub mod paging;
pub mod password;
pub mod secrets;
