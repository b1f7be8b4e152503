//! One way to write a statement's run for both databases: the arguments
//! ([`Arg`]), the rows read ([`Row`]), and an [`Exec`] that runs them on
//! PostgreSQL (through sqlx) or on a SQLite connection owned by the thread
//! that runs the whole transaction ([`super::lite`]). A store function
//! written once with the `read!` and `write!` macros runs on either.

use super::StoreError;
use sqlx::{TypeInfo, ValueRef};
use std::future::Future;
use std::task::{Context, Poll, Waker};

/// A statement's argument, bound to `$1`, `$2`, ... in order. A NULL has
/// a type: PostgreSQL infers a parameter's type from what is bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::Int(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(Some(v.to_string()))
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(Some(v))
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(Some(v.clone()))
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::Text(v)
    }
}

impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Arg {
        Arg::Text(v.map(str::to_string))
    }
}

impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Arg {
        Arg::Text(v.clone())
    }
}

impl From<&Vec<u8>> for Arg {
    fn from(v: &Vec<u8>) -> Arg {
        Arg::Blob(Some(v.clone()))
    }
}

impl From<&[u8]> for Arg {
    fn from(v: &[u8]) -> Arg {
        Arg::Blob(Some(v.to_vec()))
    }
}

/// `args![a, b]`: the arguments of a statement, each converted to an
/// [`Arg`].
macro_rules! args {
    ($($a:expr),* $(,)?) => {
        vec![$($crate::store::exec::Arg::from($a)),*]
    };
}
pub(crate) use args;

/// A value read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl Cell {
    fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "NULL",
            Cell::Int(_) => "an integer",
            Cell::Text(_) => "text",
            Cell::Blob(_) => "bytes",
        }
    }
}

/// What a [`Cell`] may be read as.
pub(crate) trait FromCell: Sized {
    fn from_cell(cell: Cell) -> Option<Self>;
}

impl FromCell for i64 {
    fn from_cell(cell: Cell) -> Option<i64> {
        match cell {
            Cell::Int(v) => Some(v),
            _ => None,
        }
    }
}

impl FromCell for String {
    fn from_cell(cell: Cell) -> Option<String> {
        match cell {
            Cell::Text(v) => Some(v),
            _ => None,
        }
    }
}

impl FromCell for Vec<u8> {
    fn from_cell(cell: Cell) -> Option<Vec<u8>> {
        match cell {
            Cell::Blob(v) => Some(v),
            _ => None,
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: Cell) -> Option<Option<T>> {
        match cell {
            Cell::Null => Some(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// A row read, its cells in the statement's column order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Row(pub(crate) Vec<Cell>);

impl Row {
    /// Column `i` as a `T`; a missing column or another type is damage
    /// (the message names the column's type, never its value).
    pub(crate) fn get<T: FromCell>(&self, i: usize) -> Result<T, StoreError> {
        let cell = self
            .0
            .get(i)
            .ok_or_else(|| StoreError::Query(format!("a row without column {i}")))?;
        let kind = cell.kind();
        T::from_cell(cell.clone()).ok_or_else(|| {
            StoreError::Query(format!(
                "a damaged row: column {i} holds {kind}, not {}",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// A row sqlx read, as a [`Row`]: by each value's own type.
pub(crate) fn sqlx_row<R: sqlx::Row>(row: &R) -> Result<Row, StoreError>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database>,
    i32: for<'r> sqlx::Decode<'r, R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database>,
    Vec<u8>: for<'r> sqlx::Decode<'r, R::Database>,
{
    use sqlx::Decode;
    let decode = |e: sqlx::error::BoxDynError| StoreError::Query(format!("a damaged row: {e}"));
    let mut cells = Vec::with_capacity(row.columns().len());
    for i in 0..row.columns().len() {
        let raw = row.try_get_raw(i)?;
        if raw.is_null() {
            cells.push(Cell::Null);
            continue;
        }
        // The drivers' own names: PostgreSQL's column types, SQLite's
        // storage classes (the schemas hold integers, text and bytes).
        let cell = match raw.type_info().name() {
            "INT8" | "INTEGER" => Cell::Int(i64::decode(raw).map_err(decode)?),
            "INT4" => Cell::Int(i64::from(i32::decode(raw).map_err(decode)?)),
            "BYTEA" | "BLOB" => Cell::Blob(Vec::<u8>::decode(raw).map_err(decode)?),
            _ => Cell::Text(String::decode(raw).map_err(decode)?),
        };
        cells.push(cell);
    }
    Ok(Row(cells))
}

/// A sqlx query with `args` bound, in order.
pub(crate) fn bind<'q, DB: sqlx::Database>(
    mut q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for a in args {
        q = match a {
            Arg::Int(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
            Arg::Blob(v) => q.bind(v),
        };
    }
    q
}

/// Runs statements: on PostgreSQL ([`Pg`]) or on a SQLite connection
/// ([`super::lite::Lite`]).
pub(crate) trait Exec {
    /// Run a statement; how many rows it changed.
    async fn execute(&mut self, sql: &'static str, args: Vec<Arg>) -> Result<u64, StoreError>;
    /// Run a statement; the rows it returned.
    async fn rows(&mut self, sql: &'static str, args: Vec<Arg>) -> Result<Vec<Row>, StoreError>;

    /// The first row, if any.
    async fn optional(
        &mut self,
        sql: &'static str,
        args: Vec<Arg>,
    ) -> Result<Option<Row>, StoreError> {
        Ok(self.rows(sql, args).await?.into_iter().next())
    }

    /// The first row, which must be there.
    async fn one(&mut self, sql: &'static str, args: Vec<Arg>) -> Result<Row, StoreError> {
        self.optional(sql, args)
            .await?
            .ok_or_else(|| StoreError::Query("a statement returned no row".into()))
    }
}

/// PostgreSQL, through a connection of the pool or a transaction.
pub(crate) struct Pg<'c>(pub(crate) &'c mut sqlx::PgConnection);

impl Exec for Pg<'_> {
    async fn execute(&mut self, sql: &'static str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let done = bind(sqlx::query(sql), args).execute(&mut *self.0).await?;
        Ok(done.rows_affected())
    }

    async fn rows(&mut self, sql: &'static str, args: Vec<Arg>) -> Result<Vec<Row>, StoreError> {
        let rows = bind(sqlx::query(sql), args).fetch_all(&mut *self.0).await?;
        rows.iter().map(sqlx_row).collect()
    }
}

/// How a transaction's body ends: committed or rolled back, with its
/// answer either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End<T> {
    Commit(T),
    Rollback(T),
}

/// Commit or roll back a PostgreSQL transaction as its body ended (an
/// error rolls it back when the transaction drops).
pub(crate) async fn finish_pg<T>(
    tx: sqlx::Transaction<'_, sqlx::Postgres>,
    end: Result<End<T>, StoreError>,
) -> Result<T, StoreError> {
    match end? {
        End::Commit(v) => {
            tx.commit().await?;
            Ok(v)
        }
        End::Rollback(v) => {
            tx.rollback().await?;
            Ok(v)
        }
    }
}

/// The answer of a future that never waits: a body run on SQLite, whose
/// statements are answered on the spot. One that waited would be a bug,
/// refused rather than blocked on.
pub(crate) fn at_once<F: Future>(f: F) -> Result<F::Output, StoreError> {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Ok(v),
        Poll::Pending => Err(StoreError::Query(
            "a SQLite statement would have waited".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_their_type_and_damage_names_no_value() {
        let row = Row(vec![Cell::Int(7), Cell::Null, Cell::Text("s3cret".into())]);
        assert_eq!(row.get::<i64>(0).unwrap(), 7);
        assert_eq!(row.get::<Option<String>>(1).unwrap(), None);
        assert_eq!(
            row.get::<Option<String>>(2).unwrap().as_deref(),
            Some("s3cret")
        );
        let e = row.get::<i64>(2).unwrap_err().to_string();
        assert!(
            e.contains("column 2 holds text") && !e.contains("s3cret"),
            "{e}"
        );
        assert!(row.get::<i64>(3).is_err());
        assert!(row.get::<String>(1).is_err());
    }

    #[test]
    fn a_future_that_waits_is_refused() {
        assert_eq!(at_once(async { 3 }).unwrap(), 3);
        let waits = std::future::pending::<()>();
        assert!(at_once(waits).is_err());
    }
}
