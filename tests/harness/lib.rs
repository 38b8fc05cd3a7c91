//! Test harness (after zero2prod's `helpers.rs`): each test gets its own server on port 0 and
//! its own fresh database — a temporary SQLite file, or with `FW_TEST_DATABASE_URL` set, a new
//! PostgreSQL database created for the test and dropped after it.
mod app;
pub mod companies;
mod db;
pub mod fleet;
pub mod measure;
pub mod simple_auth;
mod smtp;

pub use app::{
    Session, TestApp, browser, spawn_app, spawn_app_on, spawn_app_with, spawn_fleet,
    spawn_fleet_on, spawn_fleet_with,
};
pub use db::TestDb;
pub use smtp::{ReceivedMail, SmtpSink};
