//! Fleetwarden: the device-access server that sits between people and the Particle cloud.
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod email;
pub mod error;
pub mod openapi;
pub mod routes;
pub mod startup;
pub mod store;
pub mod telemetry;
