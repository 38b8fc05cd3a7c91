//! Fleetwarden's dashboard: a client-side Leptos app, compiled to wasm32 and served by the
//! server at `/` (see server/build.rs). It only talks to `/api/v1`, through `api`.
mod api;
mod app;
mod browser;
mod components;
mod format;
mod live;
mod order;
mod pages;
mod session;

fn main() {
    // Panics reach the browser console with their message instead of "unreachable".
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
