//! Names for the ids an Entra policy holds, from the exports given beside
//! it (`--groups`, `--apps`): Graph `group` objects (`id`, `displayName`),
//! `servicePrincipal` or `application` objects (`appId`, `displayName`),
//! and `user` objects (`id`, `userPrincipalName`) wherever they appear.

use crate::source::Document;
use serde_json::Value;
use std::collections::BTreeMap;

/// Ids to names; ids compare without regard to case.
#[derive(Clone, Debug, Default)]
pub struct Names {
    groups: BTreeMap<String, String>,
    apps: BTreeMap<String, String>,
    users: BTreeMap<String, String>,
}

impl Names {
    /// The names in the given exports.
    pub fn from(groups: &[Document], apps: &[Document]) -> Names {
        let mut n = Names::default();
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        for d in groups.iter().chain(apps) {
            let v = &d.value;
            if let (Some(id), Some(upn)) = (text(v, "id"), text(v, "userPrincipalName")) {
                n.users.insert(id.to_ascii_lowercase(), upn);
            }
        }
        for d in groups {
            let v = &d.value;
            if let (Some(id), Some(name), None) = (
                text(v, "id"),
                text(v, "displayName"),
                text(v, "userPrincipalName"),
            ) {
                n.groups.insert(id.to_ascii_lowercase(), name);
            }
        }
        for d in apps {
            let v = &d.value;
            let Some(name) = text(v, "displayName") else {
                continue;
            };
            for key in ["appId", "id"] {
                if let Some(id) = text(v, key) {
                    n.apps
                        .entry(id.to_ascii_lowercase())
                        .or_insert_with(|| name.clone());
                }
            }
        }
        n
    }

    pub fn group(&self, id: &str) -> Option<String> {
        self.groups.get(&id.to_ascii_lowercase()).cloned()
    }

    pub fn app(&self, id: &str) -> Option<String> {
        self.apps.get(&id.to_ascii_lowercase()).cloned()
    }

    pub fn user(&self, id: &str) -> Option<String> {
        self.users.get(&id.to_ascii_lowercase()).cloned()
    }

    /// The id of the group, app or user with this name, for an export.
    pub fn group_id(&self, name: &str) -> Option<String> {
        id_of(&self.groups, name)
    }

    pub fn app_id(&self, name: &str) -> Option<String> {
        id_of(&self.apps, name)
    }

    pub fn user_id(&self, name: &str) -> Option<String> {
        id_of(&self.users, name)
    }
}

/// The first id (in id order) whose name is `name`.
fn id_of(map: &BTreeMap<String, String>, name: &str) -> Option<String> {
    map.iter()
        .find(|(_, n)| n.as_str() == name)
        .map(|(id, _)| id.clone())
}
