//! The tenant's directory, for its administrators and its organizations' managers: the
//! organization tree (as much of it as the server shows the person), the sites under it, and
//! the groups people are shared with through, one section each, each offering only what the
//! person may do where. Every change reloads the lists, so what is shown is what the server kept.
use fleetwarden_wire::directory::{
    GroupResponse, OrganizationResponse, SiteResponse, TenantUserResponse,
};
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::admin::{AdministratorsOnly, Feedback};
use crate::session::use_session;

mod groups;
mod organizations;
mod sites;

use groups::Groups;
use organizations::Organizations;
use sites::Sites;

/// Everything the page shows, loaded together because each list names things from another.
#[derive(Debug, Clone)]
struct Directory {
    orgs: Vec<OrganizationResponse>,
    sites: Vec<SiteResponse>,
    groups: Vec<GroupResponse>,
    users: Vec<TenantUserResponse>,
    /// What I may change where, from the session (not from the server's lists).
    may: Rights,
}

/// The organizations (ids, with their subtrees) where I may do each kind of change.
#[derive(Debug, Clone, Default)]
struct Rights {
    tenant_admin: bool,
    organizations: Vec<Uuid>,
    sites: Vec<Uuid>,
    groups: Vec<Uuid>,
}

impl Directory {
    fn org_name(&self, id: Uuid) -> String {
        self.orgs
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| "—".into(), |o| o.name.clone())
    }

    fn user_name(&self, id: Uuid) -> String {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| "a former member".into(), |u| u.display_name.clone())
    }

    /// The organization and everything below it (where it can't be moved to).
    fn subtree(&self, root: Uuid) -> Vec<Uuid> {
        let mut out = vec![root];
        let mut i = 0;
        while let Some(&id) = out.get(i) {
            for o in &self.orgs {
                if o.parent_id == Some(id) && !out.contains(&o.id) {
                    out.push(o.id);
                }
            }
            i += 1;
        }
        out
    }
}

/// Depth-first order of the organization tree, with depths. An organization whose parent
/// isn't listed (a client company's manager sees their company, not the tenant above it) is
/// a root here.
fn tree_order(orgs: &[OrganizationResponse]) -> Vec<(OrganizationResponse, usize)> {
    fn walk(
        orgs: &[OrganizationResponse],
        parent: Option<Uuid>,
        depth: usize,
        out: &mut Vec<(OrganizationResponse, usize)>,
    ) {
        let mut children: Vec<&OrganizationResponse> = orgs
            .iter()
            .filter(|o| shown_parent(orgs, o) == parent)
            .collect();
        crate::order::by_text(&mut children, |a| crate::order::folded(&a.name));
        for child in children {
            // A cycle can't come from the server, but must not hang the page either.
            if out.len() >= orgs.len() || out.iter().any(|(o, _)| o.id == child.id) {
                return;
            }
            out.push((child.clone(), depth));
            walk(orgs, Some(child.id), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(orgs, None, 0, &mut out);
    out
}

/// The organization's parent, if it is listed too.
fn shown_parent(orgs: &[OrganizationResponse], org: &OrganizationResponse) -> Option<Uuid> {
    org.parent_id.filter(|p| orgs.iter().any(|o| o.id == *p))
}

/// The directory page.
#[component]
pub fn DirectoryPage() -> impl IntoView {
    view! {
        <AdministratorsOnly what="manage organizations, sites and groups" page=directory_page/>
    }
}

fn directory_page(tenant: Uuid) -> AnyView {
    let session = use_session();
    let version = RwSignal::new(0_u64);
    let data = LocalResource::new(move || {
        version.track();
        async move {
            let orgs = api::directory::organizations(tenant).await?;
            let sites = api::directory::sites(tenant).await?;
            let groups = api::directory::groups(tenant).await?;
            let users = api::directory::users(tenant).await?;
            Ok::<_, ApiError>(Directory {
                orgs,
                sites,
                groups,
                users,
                may: Rights::default(),
            })
        }
    });
    let reload = Callback::new(move |()| version.update(|v| *v += 1));
    // Outside the reloading part, so "Saved …" outlives the reload it causes.
    let (org_feedback, site_feedback, group_feedback) =
        (Feedback::new(), Feedback::new(), Feedback::new());
    view! {
        <div class="page-head">
            <h1>"Directory"</h1>
            <nav class="subnav" aria-label="Sections">
                <a href="#organizations">"Organizations"</a>
                <a href="#sites">"Sites"</a>
                <a href="#groups">"Groups"</a>
            </nav>
        </div>
        {move || match data.get() {
            None => view! { <p class="muted" role="status">"Loading the directory…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
            Some(Ok(mut d)) => {
                d.may = Rights {
                    tenant_admin: session.is_tenant_admin(),
                    organizations: session.orgs_where("organization.manage", &d.orgs),
                    sites: session.orgs_where("site.manage", &d.orgs),
                    groups: session.orgs_where("group.manage", &d.orgs),
                };
                let d = StoredValue::new(d);
                view! {
                    <Organizations tenant data=d reload feedback=org_feedback/>
                    <Sites tenant data=d reload feedback=site_feedback/>
                    <Groups tenant data=d reload feedback=group_feedback/>
                }
                .into_any()
            }
        }}
    }
    .into_any()
}
