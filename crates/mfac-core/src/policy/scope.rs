//! The one shape of every rule: a scope (who, where, except whom), and
//! from it a rank. `default`, `group "G"`, `user "U"` and `app "A"` are
//! ways of writing a scope: `for everyone`, `for members of group "G"`,
//! `for user "U"`, `for everyone in app "A"`.

use serde::{Deserialize, Serialize};

/// Whom and where a rule applies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scope {
    /// `for user "U"`: these users. With `groups` empty too: everyone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// `for members of group "G"`: members of these groups, through
    /// `includes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// `in app "A"`: only logins into these apps. Empty: every app.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apps: Vec<String>,
    /// `except ...`: who and where it never applies, whatever it includes.
    #[serde(default, skip_serializing_if = "Except::is_empty")]
    pub except: Except,
}

/// What a scope leaves out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Except {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apps: Vec<String>,
}

impl Except {
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.groups.is_empty() && self.apps.is_empty()
    }
}

/// Where a rule ranks, for `specific` precedence: the user's rules win a
/// field, else the groups' (combined most-restrictively), else the
/// default's; app rules are combined on top. `in app` and `except` only
/// narrow where a rule applies; they never change its rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rank {
    Default,
    Group,
    User,
    App,
}

impl Scope {
    /// `default { .. }`: everyone, every app.
    pub fn everyone() -> Scope {
        Scope::default()
    }

    /// `group "G" { .. }`: members of `G`.
    pub fn group(name: &str) -> Scope {
        Scope {
            groups: vec![name.to_string()],
            ..Scope::default()
        }
    }

    /// `user "U" { .. }`: user `U`.
    pub fn user(name: &str) -> Scope {
        Scope {
            users: vec![name.to_string()],
            ..Scope::default()
        }
    }

    /// `app "A" { .. }`: everyone, in app `A`.
    pub fn app(name: &str) -> Scope {
        Scope {
            apps: vec![name.to_string()],
            ..Scope::default()
        }
    }

    /// Does it name neither users nor groups?
    pub fn is_everyone(&self) -> bool {
        self.users.is_empty() && self.groups.is_empty()
    }

    pub fn rank(&self) -> Rank {
        match (
            self.is_everyone(),
            self.groups.is_empty(),
            self.apps.is_empty(),
        ) {
            (false, true, _) => Rank::User,
            (false, false, _) => Rank::Group,
            (true, _, false) => Rank::App,
            (true, _, true) => Rank::Default,
        }
    }

    /// One of the four ways of writing a scope, as the language writes it:
    /// (keyword, name), the name empty for `default`. `None` for a scope
    /// only a scoped rule can state.
    pub fn written(&self) -> Option<(&'static str, &str)> {
        if !self.except.is_empty() {
            return None;
        }
        match (
            self.users.as_slice(),
            self.groups.as_slice(),
            self.apps.as_slice(),
        ) {
            ([], [], []) => Some(("default", "")),
            ([], [g], []) => Some(("group", g)),
            ([u], [], []) => Some(("user", u)),
            ([], [], [a]) => Some(("app", a)),
            _ => None,
        }
    }

    /// The group of a `group "G"` rule.
    pub fn single_group(&self) -> Option<&str> {
        match self.written() {
            Some(("group", g)) => Some(g),
            _ => None,
        }
    }

    /// The user of a `user "U"` rule.
    pub fn single_user(&self) -> Option<&str> {
        match self.written() {
            Some(("user", u)) => Some(u),
            _ => None,
        }
    }

    /// The app of an `app "A"` rule.
    pub fn single_app(&self) -> Option<&str> {
        match self.written() {
            Some(("app", a)) => Some(a),
            _ => None,
        }
    }

    /// Does it apply to this user with these groups (closed over
    /// `includes`), in this app? An exclusion beats an inclusion.
    pub fn admits(&self, user: &str, groups: &[&str], app: Option<&str>) -> bool {
        let named = |list: &[String], x: &str| list.iter().any(|n| n == x);
        let member = |list: &[String]| groups.iter().any(|g| named(list, g));
        let who = self.is_everyone() || named(&self.users, user) || member(&self.groups);
        let r#where = self.apps.is_empty() || app.is_some_and(|a| named(&self.apps, a));
        let excluded = named(&self.except.users, user)
            || member(&self.except.groups)
            || app.is_some_and(|a| named(&self.except.apps, a));
        who && r#where && !excluded
    }
}

impl std::fmt::Display for Scope {
    /// `default`, `group "G"`, `user "U"`, `app "A"` for the four ways of
    /// writing a scope; `for ...` for any other.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some((keyword, name)) = self.written() {
            return match keyword {
                "default" => f.write_str("default"),
                _ => write!(f, "{keyword} {name:?}"),
            };
        }
        let list = |kind: &str, names: &[String]| -> Vec<String> {
            names.iter().map(|n| format!("{kind} {n:?}")).collect()
        };
        let who: Vec<String> = list("user", &self.users)
            .into_iter()
            .chain(list("members of group", &self.groups))
            .collect();
        if who.is_empty() {
            f.write_str("for everyone")?;
        } else {
            write!(f, "for {}", who.join(", "))?;
        }
        if !self.apps.is_empty() {
            write!(f, " in {}", list("app", &self.apps).join(", "))?;
        }
        let except: Vec<String> = list("user", &self.except.users)
            .into_iter()
            .chain(list("members of group", &self.except.groups))
            .chain(list("app", &self.except.apps))
            .collect();
        for e in except {
            write!(f, " except {e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_kinds_are_scopes_with_their_ranks() {
        let cases = [
            (Scope::everyone(), Rank::Default, "default"),
            (Scope::group("Admins"), Rank::Group, "group \"Admins\""),
            (Scope::user("u@x"), Rank::User, "user \"u@x\""),
            (Scope::app("VPN"), Rank::App, "app \"VPN\""),
        ];
        for (scope, rank, text) in cases {
            assert_eq!(scope.rank(), rank);
            assert_eq!(scope.to_string(), text);
        }
        assert_eq!(Scope::group("A").single_group(), Some("A"));
        assert_eq!(Scope::app("A").single_group(), None);
    }

    #[test]
    fn an_exclusion_beats_an_inclusion_and_apps_only_narrow() {
        let s = Scope {
            groups: vec!["Admins".into()],
            apps: vec!["Portal".into()],
            except: Except {
                groups: vec!["Break Glass".into()],
                ..Except::default()
            },
            ..Scope::default()
        };
        assert_eq!(s.rank(), Rank::Group);
        assert!(s.admits("u", &["Admins"], Some("Portal")));
        assert!(!s.admits("u", &["Admins"], None));
        assert!(!s.admits("u", &["Admins", "Break Glass"], Some("Portal")));
        assert!(!s.admits("u", &["Staff"], Some("Portal")));
        assert_eq!(
            s.to_string(),
            "for members of group \"Admins\" in app \"Portal\" except members of group \"Break Glass\""
        );
        assert!(Scope::everyone().admits("anyone", &[], None));
        assert!(Scope::app("VPN").admits("anyone", &[], Some("VPN")));
        assert!(!Scope::app("VPN").admits("anyone", &[], None));
    }
}
