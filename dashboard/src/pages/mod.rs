//! One module per route.
pub mod access;
pub mod device;
pub mod devices;
pub mod forgot;
pub mod login;
pub mod not_found;
