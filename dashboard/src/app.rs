//! The router and the app shell: which page answers which path, and who may see it.
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;

use crate::components::shell::Shell;
use crate::pages::directory::DirectoryPage;
use crate::pages::{access::AccessPage, activity::ActivityPage};
use crate::pages::{account::AccountPage, audit::AuditPage, billing::BillingPage};
use crate::pages::{device::DevicePage, devices::DevicesPage};
use crate::pages::{forgot::ForgotPage, login::LoginPage, not_found::NotFound, people::PeoplePage};
use crate::session::{Session, use_session};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let session = Session::new();
    provide_context(session);
    spawn_local(session.refresh());
    view! {
        <Router>
            <Shell>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=|| view! { <Redirect path="/devices"/> }/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/forgot") view=ForgotPage/>
                    <Route
                        path=path!("/devices")
                        view=|| view! { <Protected><DevicesPage/></Protected> }
                    />
                    <Route
                        path=path!("/devices/:id")
                        view=|| view! { <Protected><DevicePage/></Protected> }
                    />
                    <Route
                        path=path!("/devices/:id/access")
                        view=|| view! { <Protected><AccessPage/></Protected> }
                    />
                    <Route
                        path=path!("/activity")
                        view=|| view! { <Protected><ActivityPage/></Protected> }
                    />
                    <Route
                        path=path!("/directory")
                        view=|| view! { <Protected><DirectoryPage/></Protected> }
                    />
                    <Route
                        path=path!("/people")
                        view=|| view! { <Protected><PeoplePage/></Protected> }
                    />
                    <Route
                        path=path!("/audit")
                        view=|| view! { <Protected><AuditPage/></Protected> }
                    />
                    <Route
                        path=path!("/billing")
                        view=|| view! { <Protected><BillingPage/></Protected> }
                    />
                    <Route
                        path=path!("/account")
                        view=|| view! { <Protected><AccountPage/></Protected> }
                    />
                </Routes>
            </Shell>
        </Router>
    }
}

/// Shows its children to a signed-in person; sends anyone else to the sign-in page, which
/// brings them back here afterwards.
#[component]
fn Protected(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    move || match session.me.get() {
        None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
        Some(None) => {
            // Untracked: once the redirect changes the location, this must not run again.
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            let next = String::from(js_sys::encode_uri_component(&here));
            view! { <Redirect path=format!("/login?next={next}")/> }.into_any()
        }
        Some(Some(_)) => children().into_any(),
    }
}
