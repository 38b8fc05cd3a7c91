//! The Particle cloud: a client for its REST API (timeouts, retries, typed errors, a token
//! cache with one mint in flight per credential), and a simulator of it for the embedded
//! default and for tests.
pub mod client;
pub mod credentials;
pub mod error;
pub mod route;
pub mod secret_box;
pub mod simulator;
pub mod token_cache;
mod transport;
mod types;

pub use error::Error;
