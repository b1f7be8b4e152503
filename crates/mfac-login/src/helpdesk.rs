//! The helpdesk bypass: granted within the running policy's `bypass max`,
//! and ended early; a login honours one only while the policy still allows
//! it for that user ([`BypassRow::honoured`]). Every grant,
//! refusal and early end is audited in the transaction that makes it.

use crate::login::Running;
use crate::store::{AuditEvent, BypassRow, EventKind, Store, StoreError};
use crate::verify::{LoginError, Verifier};
use jiff::Timestamp;
use mfac_core::eval::BypassRefusal;

/// A grant asked for: whom, with which directory groups (what the policy's
/// `for group` and privileged users are judged by), until when, and why.
#[derive(Clone, Copy, Debug)]
pub struct BypassRequest<'a> {
    pub user: &'a str,
    pub groups: &'a [&'a str],
    pub until: Timestamp,
    pub reason: &'a str,
    pub ticket: &'a str,
}

/// Why no bypass was granted.
#[derive(Debug, thiserror::Error)]
pub enum BypassError {
    /// The policy does not allow it (audited as `bypass_refused`).
    #[error("{}", .0.message())]
    Refused(BypassRefusal),
    #[error(transparent)]
    Login(#[from] LoginError),
}

impl From<StoreError> for BypassError {
    fn from(e: StoreError) -> Self {
        BypassError::Login(e.into())
    }
}

/// `reason (ticket T)`, as audit events carry an exemption.
fn why(reason: &str, ticket: &str) -> String {
    format!("{reason} (ticket {ticket})")
}

/// Grant a bypass within the running policy's bounds at `now`, audited
/// in the store; a grant the policy refuses is audited too.
pub async fn grant(
    store: &Store,
    running: &Running,
    r: &BypassRequest<'_>,
    now: Timestamp,
) -> Result<BypassRow, BypassError> {
    let policy = &running.policy;
    let why = why(r.reason, r.ticket);
    let refusal = policy
        .bypass_refusal(r.user, r.groups)
        .or_else(|| policy.bypass_length_refusal(now, r.until));
    if let Some(refusal) = refusal {
        let detail = format!(
            "bypass refused ({}): {}; asked until {}: {}",
            running.file,
            refusal.message(),
            r.until,
            why
        );
        let mut e = AuditEvent::new(now, r.user, EventKind::BypassRefused, detail);
        e.reason = Some(refusal.code().to_string());
        e.policy_sha256 = Some(running.sha256.clone());
        store.audit(&e).await?;
        return Err(BypassError::Refused(refusal));
    }
    let row = BypassRow {
        id: crate::random_id().map_err(LoginError::from)?,
        user: r.user.to_string(),
        granted_at: now,
        until: r.until,
        reason: r.reason.to_string(),
        ticket: r.ticket.to_string(),
        ended_at: None,
    };
    let allowed_by = policy.bypass_location().unwrap_or_default();
    let detail = format!(
        "bypass {} granted until {}: {}; allowed by {allowed_by}",
        row.id, row.until, why
    );
    let mut e = AuditEvent::new(now, r.user, EventKind::BypassGranted, detail);
    e.exempt = Some(why);
    e.policy_sha256 = Some(running.sha256.clone());
    store.grant_bypass(&row, &e).await?;
    Ok(row)
}

/// End `user`'s bypass `id` (every one in force, without an id) at `now`,
/// each audited with `reason`: the bypasses as they were; none when there
/// is no such bypass in force.
pub async fn end(
    store: &Store,
    user: &str,
    id: Option<&str>,
    reason: &str,
    now: Timestamp,
) -> Result<Vec<BypassRow>, StoreError> {
    let mut ended = Vec::new();
    let in_force = store.bypasses(Some(user)).await?;
    for b in in_force
        .iter()
        .filter(|b| b.in_force(now) && id.is_none_or(|i| i == b.id))
    {
        let detail = format!("bypass {} ended early: {reason}", b.id);
        let mut e = AuditEvent::new(now, user, EventKind::BypassEnded, detail);
        e.reason = Some(reason.to_string());
        ended.extend(store.end_bypass(user, &b.id, &e).await?);
    }
    Ok(ended)
}

impl Verifier {
    /// [`grant`] on this verifier's store and clock.
    pub async fn grant_bypass(
        &self,
        running: &Running,
        r: &BypassRequest<'_>,
    ) -> Result<BypassRow, BypassError> {
        grant(&self.store, running, r, self.now()).await
    }

    /// [`end`] on this verifier's store and clock.
    pub async fn end_bypass(
        &self,
        user: &str,
        id: Option<&str>,
        reason: &str,
    ) -> Result<Vec<BypassRow>, LoginError> {
        Ok(end(&self.store, user, id, reason, self.now()).await?)
    }
}
