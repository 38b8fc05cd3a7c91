//! The API test suite: one binary, one module per capability.
mod auth;
mod email;
mod health;
mod migrations;
mod openapi;
mod schema;
