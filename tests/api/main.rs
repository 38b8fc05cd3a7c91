//! The API test suite: one binary, one module per capability.
mod access_differential;
mod access_matrix;
mod auth;
mod calls;
mod email;
mod faults;
mod hardening;
mod health;
mod instances;
mod layers;
mod migrations;
mod onboarding;
mod openapi;
mod particle_client;
mod schema;
mod sharing;
mod simulator;
