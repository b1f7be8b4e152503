//! A factor's status, as the store keeps it and the API lists it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Enrolled, awaiting its confirming code or credential.
    Pending,
    Active,
    /// Removed after a lost device: its secret erased, the row kept for
    /// the audit. Never listed.
    Removed,
}

impl Status {
    /// The word in the store and on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Active => "active",
            Status::Removed => "removed",
        }
    }

    pub fn from_name(name: &str) -> Option<Status> {
        [Status::Pending, Status::Active, Status::Removed]
            .into_iter()
            .find(|s| s.name() == name)
    }
}
