//! Opening a store: `mfac serve` creates and migrates it; a command that
//! only reads it (or changes one row, like `mfac unlock`) opens what is
//! there or refuses, so a typo'd path or URL is an error, never a new,
//! empty store that looks like a clean one.

use super::{redact, take_schema, Durability, Pool, Store, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Row;
use std::str::FromStr;

/// Whether opening a store may create and migrate it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    /// Create the store if there is none and bring its schema up to date
    /// (`mfac serve`).
    CreateAndMigrate,
    /// Open the store that is there, with every migration of this mfac
    /// applied; refuse otherwise, changing nothing.
    Existing,
}

/// The tables every store has.
const TABLES: [&str; 5] = ["factors", "backup_codes", "throttle", "audit", "logins"];

impl Store {
    /// Open a store by URL, creating and migrating it if need be:
    /// `postgres://...` (tables in the schema `mfac`, or the one
    /// `?schema=NAME` names), else a SQLite file: `sqlite://PATH`,
    /// `sqlite:PATH` or a bare path, with `?sync=full` (the default) or
    /// `?sync=normal` (see [`Durability`]).
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_as(url, Opening::CreateAndMigrate).await
    }

    /// Open the store at `url` as it is: an error if there is none, or if
    /// its schema is missing or older than this mfac's.
    pub async fn open_existing(url: &str) -> Result<Store, StoreError> {
        Store::open_as(url, Opening::Existing).await
    }

    /// Open a store by URL, as `opening` allows.
    pub async fn open_as(url: &str, opening: Opening) -> Result<Store, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let (url, schema) = take_schema(url);
            return Store::postgres(&url, schema.as_deref().unwrap_or("mfac"), opening).await;
        }
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let (path, durability) = match rest.split_once('?') {
            None => (rest, Durability::Full),
            Some((path, "sync=full")) => (path, Durability::Full),
            Some((path, "sync=normal")) => (path, Durability::Normal),
            Some((path, q)) => {
                return Err(StoreError::Open(
                    path.to_string(),
                    format!(
                        "unknown option `{q}` (the one option is `sync=full` or `sync=normal`)"
                    ),
                ))
            }
        };
        Store::sqlite(path, durability, opening).await
    }

    /// Open (creating and migrating if need be) the SQLite file at `path`,
    /// every commit durable.
    pub async fn open_sqlite(path: &str) -> Result<Store, StoreError> {
        Store::open_sqlite_with(path, Durability::Full).await
    }

    /// Open (creating and migrating if need be) the SQLite file at `path`
    /// with the given durability.
    pub async fn open_sqlite_with(path: &str, durability: Durability) -> Result<Store, StoreError> {
        Store::sqlite(path, durability, Opening::CreateAndMigrate).await
    }

    async fn sqlite(
        path: &str,
        durability: Durability,
        opening: Opening,
    ) -> Result<Store, StoreError> {
        if path == ":memory:" {
            return Err(StoreError::Open(
                path.to_string(),
                "a store lives in a file (each connection to `:memory:` would be a database of its own)".into(),
            ));
        }
        let url = format!("sqlite://{path}");
        let create = opening == Opening::CreateAndMigrate;
        if create {
            create_private(path)?;
        } else if !std::path::Path::new(path).is_file() {
            return Err(StoreError::Open(
                path.to_string(),
                "there is no store there (this command never creates one)".into(),
            ));
        }
        let mut options = SqliteConnectOptions::from_str(&url)
            .map_err(|e| StoreError::Open(path.to_string(), e.to_string()))?
            .create_if_missing(create);
        // Setting the journal mode writes to the file: only a store being
        // made does it (WAL then stays with the file).
        if create {
            options = options.journal_mode(SqliteJournalMode::Wal);
        }
        let options = options
            .synchronous(match durability {
                Durability::Full => SqliteSynchronous::Full,
                Durability::Normal => SqliteSynchronous::Normal,
            })
            .busy_timeout(std::time::Duration::from_secs(5))
            .foreign_keys(true);
        // A connection to a local file does not go stale: no ping (a round
        // trip to the connection's thread) before each use.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open(path.to_string(), e.to_string()))?;
        let migrator = sqlx::migrate!("./migrations/sqlite");
        const TABLES_SQL: &str = "SELECT name FROM sqlite_master WHERE type = 'table'";
        let names = table_names(sqlx::query(TABLES_SQL).fetch_all(&pool).await?)?;
        if create {
            if names.iter().any(|n| n == "_sqlx_migrations") {
                const SQL: &str = "UPDATE _sqlx_migrations SET checksum = ? WHERE version = ? AND lower(hex(checksum)) = ?";
                for (m, old) in reworded(&migrator) {
                    sqlx::query(SQL)
                        .bind(&m.checksum[..])
                        .bind(m.version)
                        .bind(old)
                        .execute(&pool)
                        .await?;
                }
            }
            migrator
                .run(&pool)
                .await
                .map_err(|e| StoreError::Migrate(e.to_string()))?;
        } else {
            let applied = applied(&pool, &names).await?;
            check_schema(path, &names, applied, migrator.migrations.len())?;
        }
        Ok(Store {
            pool: Pool::Sqlite {
                sqlx: pool,
                lite: std::sync::Arc::new(super::lite::Lite::open(path, durability)?),
            },
            writer: Some(std::sync::Arc::default()),
        })
    }

    /// Connect to PostgreSQL at `url` (tables in `schema`, created if need
    /// be) and migrate. Every replica opens the same database.
    pub async fn open_postgres(url: &str, schema: &str) -> Result<Store, StoreError> {
        Store::postgres(url, schema, Opening::CreateAndMigrate).await
    }

    async fn postgres(url: &str, schema: &str, opening: Opening) -> Result<Store, StoreError> {
        let shown = redact(url);
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            || schema.is_empty()
        {
            return Err(StoreError::Open(
                shown,
                format!("`{schema}` is not a plain schema name"),
            ));
        }
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Open(shown.clone(), e.to_string()))?;
        let create = opening == Opening::CreateAndMigrate;
        if create {
            // The schema first, on a connection of its own.
            let setup = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await
                .map_err(|e| StoreError::Open(shown.clone(), e.to_string()))?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .execute(&setup)
                .await?;
            setup.close().await;
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options.options([("search_path", schema)]))
            .await
            .map_err(|e| StoreError::Open(shown.clone(), e.to_string()))?;
        let migrator = sqlx::migrate!("./migrations/postgres");
        if create {
            const EXISTS_SQL: &str = "SELECT to_regclass('_sqlx_migrations') IS NOT NULL";
            let exists: bool = sqlx::query_scalar(EXISTS_SQL).fetch_one(&pool).await?;
            if exists {
                const SQL: &str = "UPDATE _sqlx_migrations SET checksum = $1 WHERE version = $2 AND encode(checksum, 'hex') = $3";
                for (m, old) in reworded(&migrator) {
                    sqlx::query(SQL)
                        .bind(&m.checksum[..])
                        .bind(m.version)
                        .bind(old)
                        .execute(&pool)
                        .await?;
                }
            }
            migrator
                .run(&pool)
                .await
                .map_err(|e| StoreError::Migrate(e.to_string()))?;
        } else {
            const TABLES_SQL: &str =
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1";
            let rows = sqlx::query(TABLES_SQL)
                .bind(schema)
                .fetch_all(&pool)
                .await?;
            let names = table_names(rows)?;
            let applied = applied(&pool, &names).await?;
            let place = format!("{shown} (schema {schema})");
            check_schema(&place, &names, applied, migrator.migrations.len())?;
        }
        Ok(Store {
            pool: Pool::Postgres(pool),
            writer: None,
        })
    }
}

impl Store {
    /// One sealed secret of the store, newest first, with what it is bound
    /// to (user, kind): what the key is checked against at start-up.
    pub async fn sample_sealed(&self) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        const SQL: &str = "SELECT user_id, kind, secret FROM factors WHERE status = 'active' AND secret IS NOT NULL ORDER BY id DESC LIMIT 1";
        Ok(on_pool!(self, |p| {
            match sqlx::query(SQL).fetch_optional(p).await? {
                Some(r) => Some((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)),
                None => None,
            }
        }))
    }
}

/// Migrations whose text was reworded after a release (a comment; the SQL
/// they run is the same), by version, with the SHA-384 (hex) of the text
/// they were applied with. sqlx refuses to open a store whose recorded
/// checksum no longer matches a migration's text, so before migrating, a
/// store that recorded the old checksum is moved to the new one; a store
/// with any other checksum is left for sqlx to refuse.
const REWORDED: [(i64, &str); 1] = [(
    4,
    "dcfbe683e6fa525699d7b70c081aa9a2f30e764d4cfb098e7b1a2e9261840b9252d0221c1830402257c3d81c94cf914c",
)];

/// The migrations of `migrator` that were reworded, each with the old
/// checksum it may be recorded with.
fn reworded(
    migrator: &sqlx::migrate::Migrator,
) -> impl Iterator<Item = (&sqlx::migrate::Migration, &'static str)> {
    migrator.iter().filter_map(|m| {
        REWORDED
            .iter()
            .find(|(v, _)| *v == m.version)
            .map(|(_, old)| (m, *old))
    })
}

/// Create an empty SQLite file readable by its owner only (SQLite gives
/// its WAL and shared-memory files the same mode); an existing file is
/// left as it is.
fn create_private(path: &str) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Open(path.to_string(), e.to_string())),
    }
}

fn table_names<R: Row>(rows: Vec<R>) -> Result<Vec<String>, StoreError>
where
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// How many migrations the store has applied (none without sqlx's table).
async fn applied<'a, E>(exec: E, tables: &[String]) -> Result<usize, StoreError>
where
    E: sqlx::Executor<'a>,
    i64: for<'r> sqlx::Decode<'r, E::Database> + sqlx::Type<E::Database>,
    for<'r> <E::Database as sqlx::Database>::Arguments<'r>: sqlx::IntoArguments<'r, E::Database>,
    usize: sqlx::ColumnIndex<<E::Database as sqlx::Database>::Row>,
{
    if !tables.iter().any(|t| t == "_sqlx_migrations") {
        return Ok(0);
    }
    let row = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(exec)
        .await?;
    Ok(usize::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0))
}

/// A store opened as it is must have every table and every migration.
fn check_schema(
    place: &str,
    tables: &[String],
    applied: usize,
    known: usize,
) -> Result<(), StoreError> {
    let missing: Vec<&str> = TABLES
        .iter()
        .copied()
        .filter(|t| !tables.iter().any(|n| n == t))
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::Open(
            place.to_string(),
            format!(
                "this is not an mfac store: it has no {} table (this command never creates one)",
                missing.join(", ")
            ),
        ));
    }
    if applied < known {
        return Err(StoreError::Open(
            place.to_string(),
            format!("the store's schema is older than this mfac ({applied} of {known} migrations); start this version of `mfac serve` on it once to migrate it"),
        ));
    }
    Ok(())
}
