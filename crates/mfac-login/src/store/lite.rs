//! The SQLite store's sign-in path (and a user's factors and backup codes)
//! on connections of its own (rusqlite), beside sqlx's pool, which
//! migrates the file and runs the rest.
//!
//! Why: sqlx's SQLite driver runs each statement on the connection's own
//! thread, a round trip of two thread wake-ups per statement; a sign-in
//! flow was 16 of them, and on a small machine the switches cost more
//! than the statements. Here a read runs where it is asked (a SQLite read
//! in WAL mode is microseconds and never waits on a writer), and a write
//! transaction runs whole on one blocking thread: one round trip, however
//! many statements it holds. The writer's turn is still taken in order
//! ([`super::Store::writing`]), so sqlx's writers and these never contend.

use super::exec::{Arg, Cell, End, Exec, Row};
use super::{Durability, StoreError};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::sync::{Arc, Mutex};

/// Idle read connections kept for the next read.
const READERS: usize = 8;

/// Connections to one SQLite file: one writer, reused; readers, pooled.
pub(crate) struct Lite {
    path: String,
    durability: Durability,
    writer: Arc<Mutex<Connection>>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Lite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lite({})", self.path)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Query(e.to_string())
    }
}

/// A lock whose holder panicked is taken all the same: the connections
/// behind it are whole (a panic inside a transaction is rolled back before
/// the writer is used again), and refusing every later request would turn
/// one bug into an outage.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A connection to the file sqlx opened and migrated: the same settings
/// (durability, five seconds' patience with another process's writer,
/// foreign keys).
fn connect(path: &str, durability: Durability) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let c = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Open(path.to_string(), e.to_string()))?;
    c.busy_timeout(std::time::Duration::from_secs(5))?;
    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    c.pragma_update(None, "synchronous", sync)?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    c.set_prepared_statement_cache_capacity(64);
    Ok(c)
}

impl Lite {
    pub(crate) fn open(path: &str, durability: Durability) -> Result<Lite, StoreError> {
        Ok(Lite {
            path: path.to_string(),
            durability,
            writer: Arc::new(Mutex::new(connect(path, durability)?)),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// Run `f` on a read connection, here and now.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&mut Db<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let idle = lock(&self.readers).pop();
        let conn = match idle {
            Some(c) => c,
            None => connect(&self.path, self.durability)?,
        };
        let out = f(&mut Db(&conn));
        let mut idle = lock(&self.readers);
        if idle.len() < READERS {
            idle.push(conn);
        }
        out
    }

    /// Run `f` as one transaction on the writer, on a blocking thread:
    /// committed or rolled back as it ends, rolled back on an error.
    /// `BEGIN IMMEDIATE` takes the write lock first, so no statement of
    /// the body waits for it halfway.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Db<'_>) -> Result<End<T>, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let writer = self.writer.clone();
        let run = move || {
            let conn = lock(&writer);
            // Left in a transaction by a body that panicked: end it first.
            if !conn.is_autocommit() {
                conn.execute_batch("ROLLBACK")?;
            }
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let out = match f(&mut Db(&conn)) {
                Ok(End::Commit(v)) => conn.execute_batch("COMMIT").map(|()| v),
                Ok(End::Rollback(v)) => conn.execute_batch("ROLLBACK").map(|()| v),
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    return Err(e);
                }
            };
            // A commit that failed leaves the transaction open: end it
            // before the connection serves anyone else.
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            Ok(out?)
        };
        tokio::task::spawn_blocking(run)
            .await
            // Not the panic's message, which might hold a value.
            .map_err(|_| {
                StoreError::Query("the SQLite writer's transaction failed (a panic)".into())
            })?
    }
}

/// A SQLite connection running statements on the spot.
pub(crate) struct Db<'c>(&'c Connection);

/// Bind each of the statement's parameters, `$n`, to the `n`th argument:
/// SQLite numbers parameters in the order they first appear, which need
/// not be theirs.
fn bind(st: &mut rusqlite::CachedStatement<'_>, args: &[Arg]) -> Result<(), StoreError> {
    let count = st.parameter_count();
    for i in 1..=count {
        let arg = st
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| args.get(n.checked_sub(1)?));
        let Some(arg) = arg else {
            return Err(StoreError::Query(format!(
                "a statement with {count} parameters given {}",
                args.len()
            )));
        };
        match arg {
            Arg::Int(v) => st.raw_bind_parameter(i, v)?,
            Arg::Text(v) => st.raw_bind_parameter(i, v)?,
            Arg::Blob(v) => st.raw_bind_parameter(i, v)?,
        }
    }
    Ok(())
}

fn cell(v: ValueRef<'_>) -> Result<Cell, StoreError> {
    Ok(match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Text(t) => Cell::Text(
            std::str::from_utf8(t)
                .map_err(|_| StoreError::Query("a damaged row: text that is not UTF-8".into()))?
                .to_string(),
        ),
        ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
        ValueRef::Real(_) => {
            return Err(StoreError::Query(
                "a damaged row: a real number where none is kept".into(),
            ))
        }
    })
}

impl Exec for Db<'_> {
    async fn execute(&mut self, sql: &'static str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let mut st = self.0.prepare_cached(sql)?;
        bind(&mut st, &args)?;
        let changed = st.raw_execute()?;
        Ok(u64::try_from(changed).unwrap_or(0))
    }

    async fn rows(&mut self, sql: &'static str, args: Vec<Arg>) -> Result<Vec<Row>, StoreError> {
        let mut st = self.0.prepare_cached(sql)?;
        bind(&mut st, &args)?;
        let width = st.column_count();
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let cells = (0..width)
                .map(|i| cell(r.get_ref(i)?))
                .collect::<Result<Vec<_>, StoreError>>()?;
            out.push(Row(cells));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::exec::args;

    fn lite(name: &str) -> Lite {
        let dir = std::env::temp_dir().join(format!("mfac-lite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.db"));
        let _ = std::fs::remove_file(&path);
        let c = Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (k TEXT, n INTEGER, b BLOB);")
            .unwrap();
        Lite::open(path.to_str().unwrap(), Durability::Full).unwrap()
    }

    fn count(l: &Lite) -> i64 {
        l.read(|db| super::super::exec::at_once(db.one("SELECT COUNT(*) FROM t", vec![]))?)
            .unwrap()
            .get(0)
            .unwrap()
    }

    #[tokio::test]
    async fn parameters_bind_by_number_whatever_their_order() {
        let l = lite("order");
        const SQL: &str = "INSERT INTO t (b, n, k) VALUES ($3, $2, $1)";
        l.write(|db| {
            let n = super::super::exec::at_once(db.execute(SQL, args!["k", 7, &vec![1u8, 2]]))??;
            Ok(End::Commit(n))
        })
        .await
        .unwrap();
        let row = l
            .read(|db| super::super::exec::at_once(db.one("SELECT k, n, b FROM t", vec![]))?)
            .unwrap();
        assert_eq!(row.get::<String>(0).unwrap(), "k");
        assert_eq!(row.get::<i64>(1).unwrap(), 7);
        assert_eq!(row.get::<Vec<u8>>(2).unwrap(), vec![1, 2]);
        // Too few arguments is an error, not a NULL.
        let short = l
            .read(|db| super::super::exec::at_once(db.execute(SQL, args!["k"]))?)
            .unwrap_err();
        assert!(
            short.to_string().contains("3 parameters given 1"),
            "{short}"
        );
    }

    #[tokio::test]
    async fn a_transaction_commits_rolls_back_or_fails_whole() {
        let l = lite("whole");
        const ADD: &str = "INSERT INTO t (k) VALUES ($1)";
        let add = |db: &mut Db<'_>| super::super::exec::at_once(db.execute(ADD, args!["x"]));
        l.write(move |db| Ok(End::Commit(add(db)??))).await.unwrap();
        assert_eq!(count(&l), 1);
        l.write(move |db| Ok(End::Rollback(add(db)??)))
            .await
            .unwrap();
        assert_eq!(count(&l), 1);
        let failed = l
            .write(move |db| {
                add(db)??;
                super::super::exec::at_once(
                    db.execute("INSERT INTO nowhere VALUES ($1)", args![1]),
                )??;
                Ok(End::Commit(()))
            })
            .await;
        assert!(failed.is_err());
        assert_eq!(
            count(&l),
            1,
            "the failed transaction's first insert is gone"
        );
        // The writer is usable again, outside any transaction.
        l.write(move |db| Ok(End::Commit(add(db)??))).await.unwrap();
        assert_eq!(count(&l), 2);
    }

    #[tokio::test]
    async fn an_in_memory_store_is_refused_with_the_reason() {
        let e = crate::store::Store::open_sqlite(":memory:")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("a store lives in a file"), "{e}");
    }

    #[tokio::test]
    async fn a_body_that_panicked_leaves_the_writer_usable() {
        let l = lite("panic");
        const ADD: &str = "INSERT INTO t (k) VALUES ($1)";
        let panicked = l
            .write(|db| {
                super::super::exec::at_once(db.execute(ADD, args!["lost"]))??;
                if db.0.is_autocommit() {
                    return Ok(End::Commit(())); // never: this runs inside the transaction
                }
                panic!("a bug in a transaction's body")
            })
            .await;
        let e = panicked.unwrap_err().to_string();
        assert!(!e.contains("a bug in"), "{e}");
        l.write(|db| {
            super::super::exec::at_once(db.execute(ADD, args!["kept"]))??;
            Ok(End::Commit(()))
        })
        .await
        .unwrap();
        assert_eq!(count(&l), 1, "the panicked transaction's insert is gone");
    }
}
