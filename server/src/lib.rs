//! Fleetwarden: the device-access server that sits between people and the Particle cloud.
pub mod audit;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod openapi;
pub mod routes;
pub mod startup;
pub mod store;
pub mod telemetry;
