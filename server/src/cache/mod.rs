//! What each instance remembers of the database to keep device calls off it: sessions and API
//! tokens, products and catalogs. Filled on a miss; emptied only by applying the change log.
pub mod credentials;
pub mod products;
