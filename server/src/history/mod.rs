//! Device history and live activity: Particle's event stream taken in once per deployment
//! ([`stream`], [`ingest`]), or its webhooks ([`webhook`]), stored per device with the tenant that owned it, read back raw,
//! bucketed or as CSV by whoever may read the device ([`read`]), and streamed live to each
//! signed-in person for exactly the devices they may see at that moment ([`live`]), on whichever
//! instance they are connected to ([`relay`]).
pub mod ingest;
pub mod live;
pub mod read;
pub mod relay;
pub mod retention;
pub mod stream;
pub mod webhook;
