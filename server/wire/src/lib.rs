//! JSON wire types: every request and response body of the HTTP API. Serde-only, so the WASM
//! dashboard compiles them too; the server adds OpenAPI schemas with the `openapi` feature.
pub mod auth;
pub mod directory;
pub mod error;
pub mod health;
pub mod products;
pub mod sharing;
pub mod tenancy;
