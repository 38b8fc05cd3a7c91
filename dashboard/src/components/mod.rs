//! Parts used by several pages.
pub mod admin;
pub mod grant_chain;
pub mod role_badge;
pub mod share_dialog;
pub mod shell;
