//! The API test suite: one binary, one module per capability.
mod health;
mod migrations;
mod openapi;
mod schema;
