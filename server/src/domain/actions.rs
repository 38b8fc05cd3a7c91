//! The action vocabulary: what a role may allow. Code names actions only through [`Action`],
//! so a misspelt action is a compile error rather than a check that silently denies; the
//! policy file is held to the same list when it loads. A function's own action
//! (`device.function.call.<name>`, from a product's catalog) is the one open-ended family.

/// One built-in action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// See a device and its state.
    DeviceRead,
    /// Read a device's variables.
    DeviceVariableRead,
    /// Read a device's stored history.
    DeviceHistoryRead,
    /// Follow a device's live events.
    DeviceEventsRead,
    /// Call a device's functions (those whose catalog entry asks for this action).
    DeviceFunctionCall,
    /// Grant and revoke access to what one holds.
    DeviceShare,
    /// Create, change and delete sites, and place devices.
    SiteManage,
    /// Create, change and delete groups and their members.
    GroupManage,
    /// Invite people.
    UserInvite,
    /// Read the audit log.
    AuditRead,
    /// Create, change and delete organizations and memberships.
    OrganizationManage,
    /// Create, change and delete custom roles.
    RoleManage,
    /// Read seats and invoices.
    BillingRead,
}

/// The family of functions' own actions; `device.function.call.*` in a policy allows them all.
pub const FUNCTION_CALL_PREFIX: &str = "device.function.call.";

/// The device family: a custom role may name any action in it, so that a role can list a
/// function's own action before any catalog asks for it.
pub const DEVICE_FAMILY_PREFIX: &str = "device.";

/// Function `function`'s own action, `device.function.call.<function>`.
pub fn function_action(function: &str) -> String {
    format!("{FUNCTION_CALL_PREFIX}{function}")
}

impl Action {
    /// Every built-in action.
    pub const ALL: [Action; 13] = [
        Action::DeviceRead,
        Action::DeviceVariableRead,
        Action::DeviceHistoryRead,
        Action::DeviceEventsRead,
        Action::DeviceFunctionCall,
        Action::DeviceShare,
        Action::SiteManage,
        Action::GroupManage,
        Action::UserInvite,
        Action::AuditRead,
        Action::OrganizationManage,
        Action::RoleManage,
        Action::BillingRead,
    ];

    /// Its name in policies, roles and the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::DeviceRead => "device.read",
            Action::DeviceVariableRead => "device.variable.read",
            Action::DeviceHistoryRead => "device.history.read",
            Action::DeviceEventsRead => "device.events.read",
            Action::DeviceFunctionCall => "device.function.call",
            Action::DeviceShare => "device.share",
            Action::SiteManage => "site.manage",
            Action::GroupManage => "group.manage",
            Action::UserInvite => "user.invite",
            Action::AuditRead => "audit.read",
            Action::OrganizationManage => "organization.manage",
            Action::RoleManage => "role.manage",
            Action::BillingRead => "billing.read",
        }
    }

    /// The built-in action named `name`.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

impl AsRef<str> for Action {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `name` is an action a policy or role may name: a built-in one, one function's own
/// (`device.function.call.set_pressure`) or all of them (`device.function.call.*`).
pub fn is_known(name: &str) -> bool {
    Action::parse(name).is_some()
        || name.strip_prefix(FUNCTION_CALL_PREFIX).is_some_and(|rest| {
            rest == "*"
                || (!rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::parse("device.reed"), None);
    }

    #[test]
    fn functions_have_their_own_actions_but_nothing_else_is_known() {
        assert!(is_known("device.read"));
        assert!(is_known("device.function.call.setPressure"));
        assert!(is_known("device.function.call.*"));
        assert!(!is_known("device.function.call."));
        assert!(!is_known("device.reed"));
        assert!(!is_known("device.function.call.a b"));
    }
}
