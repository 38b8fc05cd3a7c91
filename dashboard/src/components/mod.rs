//! Parts used by several pages.
pub mod admin;
pub mod grant_chain;
pub mod grant_edit;
pub mod history_chart;
pub mod role_badge;
pub mod seat_chart;
pub mod share_dialog;
pub mod shell;
