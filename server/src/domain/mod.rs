//! The domain: plain Rust, no actix and no SQL: ids, the action vocabulary, billing, function
//! controls, email addresses, device history, passwords, secrets, paging and client addresses,
//! each with its own tests.
pub mod actions;
pub mod billing;
pub mod controls;
pub mod email;
pub mod history;
pub mod ids;
pub mod net;
pub mod paging;
pub mod password;
pub mod secrets;
