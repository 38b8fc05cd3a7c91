//! casbin: which actions a role holds in a tenant.
//!
//! One enforcer holds the built-in roles (policies/policy.csv, domain `*`); each tenant with
//! custom roles gets its own small enforcer holding only that tenant's `p` lines, so no
//! tenant's rules slow down another's. The index asks these questions only when a role or the
//! action vocabulary changes and keeps the answers as bit sets: a permission check never
//! reaches casbin.
use std::collections::{BTreeSet, HashMap};

use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi, StringAdapter};
use uuid::Uuid;

use crate::domain::actions::{self, Action};

/// The policy files, the same ones the tests read.
pub const MODEL: &str = include_str!("../../../policies/model.conf");
/// The built-in roles' lines.
pub const POLICY: &str = include_str!("../../../policies/policy.csv");

/// Every built-in action, by name (`device.function.call.*` is a pattern, not listed).
pub const BUILTIN_ACTIONS: [&str; Action::ALL.len()] = {
    let mut names = [""; Action::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = Action::ALL[i].as_str();
        i += 1;
    }
    names
};

/// The domain the built-in lines are written for: every tenant.
const EVERY_TENANT: &str = "*";

/// The policy could not be loaded or changed.
#[derive(Debug, thiserror::Error)]
#[error("authorization policy: {0}")]
pub struct PolicyError(pub String);

impl From<casbin::Error> for PolicyError {
    fn from(error: casbin::Error) -> Self {
        Self(error.to_string())
    }
}

/// The role→action policy.
pub struct Policy {
    /// Parsed once; each tenant's enforcer starts from a copy.
    model: DefaultModel,
    builtin: Enforcer,
    custom: HashMap<Uuid, Enforcer>,
}

impl Policy {
    /// Loads the built-in model and policy.
    ///
    /// # Errors
    /// The files don't parse.
    pub async fn load() -> Result<Self, PolicyError> {
        check_actions(POLICY)?;
        let model = DefaultModel::from_str(MODEL).await?;
        let builtin = Enforcer::new(model.clone(), StringAdapter::new(POLICY)).await?;
        Ok(Self {
            model,
            builtin,
            custom: HashMap::new(),
        })
    }

    /// Whether built-in role `role` (viewer, operator, manager, tenant_admin) may do `action`.
    pub fn builtin_allows(&self, role: &str, action: &str) -> bool {
        decide(&self.builtin, role, EVERY_TENANT, action)
    }

    /// Whether custom role `role_id` of `tenant`, holding `actions`, may do `action`.
    pub fn custom_allows(&self, tenant: Uuid, role_id: Uuid, action: &str) -> bool {
        self.custom.get(&tenant).is_some_and(|enforcer| {
            decide(enforcer, &role_id.to_string(), &tenant.to_string(), action)
        })
    }

    /// Replaces the `p` lines of custom role `role_id` in `tenant`'s domain by one line per
    /// action (an action may end in `*`, like `device.function.call.*`).
    pub(super) async fn set_custom_role(
        &mut self,
        tenant: Uuid,
        role_id: Uuid,
        actions: &[String],
    ) -> Result<(), PolicyError> {
        let subject = role_id.to_string();
        let domain = tenant.to_string();
        let enforcer = match self.custom.entry(tenant) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                let enforcer = Enforcer::new(self.model.clone(), MemoryAdapter::default()).await?;
                entry.insert(enforcer)
            }
        };
        enforcer
            .remove_filtered_policy(0, vec![subject.clone()])
            .await?;
        // casbin refuses a batch holding a line twice.
        let lines: Vec<Vec<String>> = actions
            .iter()
            .map(|action| action.trim())
            .filter(|action| !action.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|action| vec![subject.clone(), domain.clone(), action.to_owned()])
            .collect();
        if !lines.is_empty() {
            enforcer.add_policies(lines).await?;
        }
        Ok(())
    }

    /// Drops custom role `role_id`'s lines from `tenant`'s domain.
    pub(super) async fn remove_custom_role(
        &mut self,
        tenant: Uuid,
        role_id: Uuid,
    ) -> Result<(), PolicyError> {
        let Some(enforcer) = self.custom.get_mut(&tenant) else {
            return Ok(());
        };
        enforcer
            .remove_filtered_policy(0, vec![role_id.to_string()])
            .await?;
        if enforcer.get_all_policy().is_empty() {
            self.custom.remove(&tenant);
        }
        Ok(())
    }
}

/// Every `p` line names an action of the vocabulary (`domain::actions`): a misspelt one
/// would allow nothing, silently, so the server refuses to start and names the line.
fn check_actions(policy: &str) -> Result<(), PolicyError> {
    for (number, line) in (1..).zip(policy.lines()) {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if let ["p", _, _, action] = fields.as_slice()
            && !actions::is_known(action)
        {
            return Err(PolicyError(format!(
                "policies/policy.csv line {number}: unknown action `{action}` (known: {}, \
                 device.function.call.<name> and device.function.call.*)",
                BUILTIN_ACTIONS.join(", ")
            )));
        }
    }
    Ok(())
}

/// One casbin decision. A failure denies: the model and lines were checked when loaded, so an
/// error here is a bug to log, not a reason to let anyone in.
fn decide(enforcer: &Enforcer, role: &str, domain: &str, action: &str) -> bool {
    enforcer
        .enforce((role, domain, action))
        .unwrap_or_else(|error| {
            tracing::error!(%error, role, action, "casbin could not decide; denying");
            false
        })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_builtin_roles_inherit_upwards_and_functions_need_a_manager() {
        let policy = Policy::load().await.unwrap();
        assert!(policy.builtin_allows("viewer", "device.read"));
        assert!(!policy.builtin_allows("viewer", "device.function.call"));
        assert!(policy.builtin_allows("operator", "device.read"));
        assert!(policy.builtin_allows("operator", "device.function.call"));
        assert!(!policy.builtin_allows("operator", "device.function.call.reset"));
        assert!(policy.builtin_allows("manager", "device.function.call.reset"));
        assert!(policy.builtin_allows("manager", "device.function.call"));
        assert!(!policy.builtin_allows("manager", "billing.read"));
        assert!(policy.builtin_allows("tenant_admin", "billing.read"));
        assert!(policy.builtin_allows("tenant_admin", "device.events.read"));
        assert!(!policy.builtin_allows("nobody", "device.read"));
    }

    #[test]
    fn a_policy_line_with_an_unknown_action_is_refused_naming_the_line() {
        assert!(check_actions(POLICY).is_ok());
        let typo = "p, viewer, *, device.read\np, manager, *, device.shrae\n";
        let err = check_actions(typo).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("device.shrae"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_custom_role_holds_its_lines_in_its_own_tenant_only() {
        let mut policy = Policy::load().await.unwrap();
        let (tenant, other, role) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let actions = [
            "device.read".to_owned(),
            "device.function.call.*".to_owned(),
        ];
        policy
            .set_custom_role(tenant, role, &actions)
            .await
            .unwrap();

        assert!(policy.custom_allows(tenant, role, "device.read"));
        assert!(policy.custom_allows(tenant, role, "device.function.call.reset"));
        assert!(!policy.custom_allows(tenant, role, "device.function.call"));
        assert!(!policy.custom_allows(other, role, "device.read"));

        policy
            .set_custom_role(tenant, role, &["device.share".to_owned()])
            .await
            .unwrap();
        assert!(!policy.custom_allows(tenant, role, "device.read"));
        assert!(policy.custom_allows(tenant, role, "device.share"));

        policy.remove_custom_role(tenant, role).await.unwrap();
        assert!(!policy.custom_allows(tenant, role, "device.share"));
        assert!(policy.custom.is_empty());
    }
}
