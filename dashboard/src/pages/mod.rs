//! One module per route.
pub mod access;
pub mod account;
pub mod activity;
pub mod audit;
pub mod billing;
pub mod device;
pub mod devices;
pub mod directory;
pub mod forgot;
pub mod login;
pub mod not_found;
pub mod people;
