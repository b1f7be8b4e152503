//! The helpdesk bypass: whether the policy lets one be granted to a user,
//! and a decision turned into the `allow` a bypass gives.
//!
//! The policy bounds it (`bypass max 24h [for group "A"] [privileged]`);
//! the login service keeps the grants. Both are checked at grant time and
//! again at every login, so a policy that stops allowing a bypass, or a
//! user who became privileged since, is not let through (fail closed).

use super::*;
use crate::compile::BypassInfo;

/// A bypass granted at run time, as a decision carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BypassGrant {
    pub id: String,
    pub until: Timestamp,
    pub reason: String,
    pub ticket: String,
}

/// Why the policy lets no bypass be granted, or no longer honours one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BypassRefusal {
    /// The policy has no `bypass` line.
    NoneAllowed,
    /// It would end later than `bypass max` from now (seconds).
    TooLong { max: i64 },
    /// It would not end after now.
    AlreadyOver,
    /// `bypass ... for group`: the user is in none of them.
    NotInGroup,
    /// The user is privileged or break-glass, and the policy does not say
    /// `bypass ... privileged`.
    Privileged,
}

impl BypassRefusal {
    /// A stable code for programs.
    pub fn code(self) -> &'static str {
        match self {
            BypassRefusal::NoneAllowed => "bypass_not_allowed",
            BypassRefusal::TooLong { .. } => "bypass_too_long",
            BypassRefusal::AlreadyOver => "bypass_over",
            BypassRefusal::NotInGroup => "bypass_not_in_group",
            BypassRefusal::Privileged => "bypass_privileged",
        }
    }

    /// The reason in a sentence.
    pub fn message(self) -> String {
        match self {
            BypassRefusal::NoneAllowed => {
                "the policy allows no bypass (it has no `bypass` line)".into()
            }
            BypassRefusal::TooLong { max } => format!(
                "a bypass may last at most {} (`bypass max`)",
                crate::policy::format_duration(max)
            ),
            BypassRefusal::AlreadyOver => "`until` is not in the future".into(),
            BypassRefusal::NotInGroup => {
                "the user is in none of the groups `bypass ... for` names".into()
            }
            BypassRefusal::Privileged => {
                "the user is privileged, and the policy does not say `bypass ... privileged`".into()
            }
        }
    }
}

impl Policy {
    /// The bypass the policy allows, if any.
    pub fn bypass(&self) -> Option<&BypassInfo> {
        self.tables.bypass.as_ref()
    }

    /// `file:line: bypass`, for the rules a bypassed decision lists.
    pub fn bypass_location(&self) -> Option<String> {
        let b = self.bypass()?;
        Some(format!("{}:{}: bypass", self.tables.source, b.line))
    }

    /// Does a rule that applies to this user mark them privileged or
    /// break-glass?
    pub fn is_privileged(&self, user: &str, groups: &[&str]) -> bool {
        let r = self.resolve(user, groups);
        r.rules.iter().any(|&id| {
            self.tables
                .rules
                .get(id as usize)
                .is_some_and(|i| i.privileged || i.break_glass)
        })
    }

    /// Why this user, with these directory groups, may not be bypassed
    /// (`None`: they may).
    pub fn bypass_refusal(&self, user: &str, groups: &[&str]) -> Option<BypassRefusal> {
        let Some(b) = self.bypass() else {
            return Some(BypassRefusal::NoneAllowed);
        };
        let member = |g: &&str| {
            by_name(g, |n| {
                b.members.binary_search_by(|m| m.as_str().cmp(n)).ok()
            })
            .is_some()
        };
        if !b.groups.is_empty() && !groups.iter().any(member) {
            return Some(BypassRefusal::NotInGroup);
        }
        if !b.privileged && self.is_privileged(user, groups) {
            return Some(BypassRefusal::Privileged);
        }
        None
    }

    /// Why a bypass from `from` to `until` is out of the policy's bounds
    /// (`None`: within them).
    pub fn bypass_length_refusal(
        &self,
        from: Timestamp,
        until: Timestamp,
    ) -> Option<BypassRefusal> {
        let Some(b) = self.bypass() else {
            return Some(BypassRefusal::NoneAllowed);
        };
        if until <= from {
            return Some(BypassRefusal::AlreadyOver);
        }
        (until > longest(b, from)).then_some(BypassRefusal::TooLong { max: b.max })
    }

    /// The end of a grant as the policy honours it now: its `until`, or
    /// sooner when `bypass max` was lowered since it was granted at
    /// `granted`.
    pub fn bypass_end(&self, granted: Timestamp, until: Timestamp) -> Option<Timestamp> {
        let b = self.bypass()?;
        Some(until.min(longest(b, granted)))
    }
}

/// The latest a bypass granted at `from` may last to under `b`.
fn longest(b: &BypassInfo, from: Timestamp) -> Timestamp {
    from.checked_add(SignedDuration::from_secs(b.max))
        .unwrap_or(Timestamp::MAX)
}

impl<'p> Decision<'p> {
    /// The decision as a bypass in force makes it: let in without a second
    /// factor (AAL1), with the grant in place of an exemption.
    pub fn bypassed(mut self, grant: BypassGrant) -> Decision<'p> {
        self.outcome = Outcome::Allow;
        self.aal = Aal::Aal1;
        self.remembered = false;
        self.remember_miss = None;
        self.deadline = None;
        self.bypass = Some(grant);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(bypass: Option<BypassInfo>) -> Policy {
        let text = r#"{"source":"p.mfa","precedence":"most_restrictive","timezone":"UTC","calendar":CALENDAR,"epochs":[],"rules":[{"scope":{"users":[],"groups":["Admins"],"apps":[],"except":{"users":[],"groups":[],"apps":[]}},"line":1,"privileged":true}],"phases":[],"settings":[{"enforcement":"required"}],"table":[0],"groups":[["Admins",[0]]],"exemptions":[]}"#;
        let calendar =
            serde_json::to_string(&crate::policy::Calendar::default()).expect("calendar");
        let text = text.replace("CALENDAR", &calendar);
        let mut t: Tables = serde_json::from_str(&text).expect("tables");
        t.bypass = bypass;
        Policy::from_tables(t).expect("policy")
    }

    fn info(groups: &[&str], privileged: bool) -> BypassInfo {
        BypassInfo {
            max: 86_400,
            groups: groups.iter().map(|g| g.to_string()).collect(),
            members: groups.iter().map(|g| g.to_string()).collect(),
            privileged,
            line: 3,
        }
    }

    #[test]
    fn the_policy_bounds_who_and_how_long() {
        let none = policy(None);
        assert_eq!(
            none.bypass_refusal("ann", &[]),
            Some(BypassRefusal::NoneAllowed)
        );
        let p = policy(Some(info(&["Helpdesk Approved"], false)));
        assert_eq!(
            p.bypass_refusal("ann", &[]),
            Some(BypassRefusal::NotInGroup)
        );
        assert_eq!(p.bypass_refusal("ann", &["Helpdesk Approved"]), None);
        assert_eq!(
            p.bypass_refusal("root", &["Helpdesk Approved", "Admins"]),
            Some(BypassRefusal::Privileged)
        );
        let anyone = policy(Some(info(&[], true)));
        assert_eq!(anyone.bypass_refusal("root", &["Admins"]), None);
        let t0 = Timestamp::UNIX_EPOCH;
        let at = |s: i64| t0.checked_add(SignedDuration::from_secs(s)).expect("time");
        assert_eq!(p.bypass_length_refusal(t0, at(86_400)), None);
        assert_eq!(
            p.bypass_length_refusal(t0, at(86_401)),
            Some(BypassRefusal::TooLong { max: 86_400 })
        );
        assert_eq!(
            p.bypass_length_refusal(t0, t0),
            Some(BypassRefusal::AlreadyOver)
        );
        assert_eq!(p.bypass_end(t0, at(90_000)), Some(at(86_400)));
    }
}
