//! The users a policy is checked and simulated against, as data. Reading
//! them from YAML, JSON or CSV is `mfac_analysis::directory`.

use crate::eval::{Decision, LoginContext, Policy};
use crate::policy::FactorSet;
use jiff::Timestamp;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirUser {
    pub id: String,
    /// Group names, shared between the users that hold them.
    pub groups: Vec<Arc<str>>,
    pub factors: FactorSet,
    /// 1-based line of the user in the directory file.
    pub line: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directory {
    pub name: String,
    pub users: Vec<DirUser>,
    /// Every distinct group name the users hold, in the order first met.
    pub groups: Vec<Arc<str>>,
}

impl Directory {
    /// The id of the user at `index` (empty past the end).
    pub fn id(&self, index: usize) -> &str {
        self.users.get(index).map_or("", |u| u.id.as_str())
    }

    /// The user with this id; ids compare in NFC, as the reader keeps them.
    pub fn user(&self, id: &str) -> Option<&DirUser> {
        let id = crate::name::nfc(id);
        self.users.iter().find(|u| u.id == *id)
    }
}

/// A directory user signing into `app` at `at`, with their groups and
/// enrolled factors, and no last MFA (a simulation asks about the MFA step).
pub fn decide_user<'p>(
    policy: &'p Policy,
    user: &DirUser,
    at: Timestamp,
    app: Option<&str>,
) -> Decision<'p> {
    let groups: Vec<&str> = user.groups.iter().map(|g| &**g).collect();
    let ctx = LoginContext::new(&user.id, at)
        .groups(&groups)
        .app(app)
        .enrolled_set(user.factors);
    policy.decide(&ctx)
}
