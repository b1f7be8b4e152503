//! Backup codes: a set replaced whole, each code used once, found by its
//! lookup key.

use super::exec::{args, End, Exec};
use super::*;

impl Store {
    /// Replace the user's backup codes with a new set (lookup keys and
    /// hashes), in one transaction.
    pub async fn replace_backup_codes(
        &self,
        user: &str,
        codes: &[crate::backup::Stored],
    ) -> Result<(), StoreError> {
        const CLEAR: &str = "DELETE FROM backup_codes WHERE user_id = $1";
        const ADD: &str = "INSERT INTO backup_codes (user_id, hash, lookup) VALUES ($1, $2, $3)";
        let clear = args![user];
        let rows: Vec<_> = codes
            .iter()
            .map(|c| args![user, &c.hash, &c.lookup])
            .collect();
        write_tx!(self, |db| {
            db.execute(CLEAR, clear).await?;
            for row in rows {
                db.execute(ADD, row).await?;
            }
            End::Commit(())
        })
    }

    /// The user's unused backup codes: (id, hash).
    pub async fn unused_backup_codes(&self, user: &str) -> Result<Vec<(i64, String)>, StoreError> {
        const SQL: &str =
            "SELECT id, hash FROM backup_codes WHERE user_id = $1 AND used_at IS NULL ORDER BY id";
        let rows = read_tx!(self, |db| db.rows(SQL, args![user]).await?)?;
        rows.iter().map(|r| Ok((r.get(0)?, r.get(1)?))).collect()
    }

    /// The user's backup codes a guess with `lookup` could be: (id, hash,
    /// used) of those with that lookup key, or none (issued before lookup
    /// keys), used ones included, so a reused code is told apart.
    pub async fn backup_code_candidates(
        &self,
        user: &str,
        lookup: &str,
    ) -> Result<Vec<(i64, String, bool)>, StoreError> {
        const SQL: &str = "SELECT id, hash, used_at FROM backup_codes WHERE user_id = $1 AND (lookup = $2 OR lookup IS NULL) ORDER BY id";
        let rows = read_tx!(self, |db| db.rows(SQL, args![user, lookup]).await?)?;
        rows.iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?, r.get::<Option<String>>(2)?.is_some())))
            .collect()
    }

    /// Erase the user's backup codes (a reset). False if none was unused.
    pub async fn remove_backup_codes(&self, user: &str) -> Result<bool, StoreError> {
        const SQL: &str = "DELETE FROM backup_codes WHERE user_id = $1 AND used_at IS NULL";
        let row = args![user];
        write_tx!(self, |db| End::Commit(db.execute(SQL, row).await? > 0))
    }
}
