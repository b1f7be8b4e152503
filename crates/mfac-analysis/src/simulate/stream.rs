//! `mfac simulate` straight from a directory file (CSV, JSON or YAML),
//! holding what the report needs and not the users.
//!
//! The reference path ([`crate::directory::parse_with`], then
//! [`super::simulate`]) turns every row into owned strings and a user, then
//! decides; a million users in twenty groups each is then most of a
//! gigabyte before the first decision. Here one thread reads users into
//! reused buffers (CSV records as bytes, `csv.rs`; JSON and YAML through
//! serde visitors, `de.rs`), looks each group name up once in the
//! policy's own index (and the base policy's), and hands compact batches of
//! ids to a second thread, which decides each user and keeps only counts,
//! the per-group rows and the users the report lists ([`Keep`]). The two
//! threads' shares of the work were measured to be about even. A CSV file
//! with no quoted field is read on every core instead (`parallel.rs`):
//! blocks of whole lines, each parsed and decided by a worker, merged in
//! file order; a block of ASCII is split into cells by hand (`lines.rs`).
//!
//! Errors are not reported here. At the first thing the reference reader
//! would refuse (a malformed row, an unknown factor or field, an empty or
//! repeated id), this path stops and answers `None`: the caller
//! reads the file the reference way, whose diagnostics are the contract.
//!
//! Repeated ids are found in memory that does not grow with the file: a
//! blocked Bloom filter (`bloom.rs`, at most 128 MiB) flags ids that may
//! have been seen; if any are flagged, a second pass counts those ids
//! exactly.

use super::summary::{GroupRow, Keep, Summary, Tally, NO_GROUP};
use super::{before_of, Before};
use crate::directory::{items, Columns, Format};
use jiff::Timestamp;
use mfac_core::eval::{AtInstant, Policy};
use mfac_core::policy::{Factor, FactorSet};
use rustc_hash::{FxHashMap, FxHashSet};
use std::io::Read;
use std::sync::mpsc;

mod bloom;
mod csv;
mod de;
mod lines;
mod parallel;

use bloom::Bloom;
use mfac_core::name::is_nfc;

/// What a streamed simulation decides: the policy, what "before" is, when,
/// and which users the report lists.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    pub policy: &'a Policy,
    pub base: Option<&'a Policy>,
    pub at: Timestamp,
    pub app: Option<&'a str>,
    pub columns: &'a Columns,
    pub keep: Keep,
}

/// A simulation streamed to its end.
#[derive(Debug)]
pub struct Streamed {
    /// Its group rows name every group some user holds.
    pub summary: Summary,
}

/// Users per batch handed from the reader to the decider.
const BATCH: usize = 2048;

/// Stream a directory file (CSV, JSON or YAML) through the simulation. `open` opens the
/// file (called again for the exact second pass over ids the filter
/// flagged); `progress` gets the bytes read so far, now and then. `None`:
/// the file holds something the reference reader refuses; read it that way
/// for the diagnostics.
pub fn simulate_file<R: Read + Send>(
    format: Format,
    open: &dyn Fn() -> std::io::Result<R>,
    size_hint: u64,
    req: Request<'_>,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<Option<Streamed>> {
    let split = Split {
        workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
        block: parallel::BLOCK,
    };
    simulate_file_split(format, open, size_hint, req, progress, split)
}

/// How a CSV file is cut up for its workers (`parallel.rs`).
#[derive(Clone, Copy, Debug)]
pub struct Split {
    /// Threads deciding blocks; under two, the two-thread pipeline runs.
    pub workers: usize,
    /// Bytes per block (whole lines).
    pub block: usize,
}

/// [`simulate_file`] with the CSV cut as `split` says: for the tests,
/// which cut files into many small blocks to meet every seam.
pub fn simulate_file_split<R: Read + Send>(
    format: Format,
    open: &dyn Fn() -> std::io::Result<R>,
    size_hint: u64,
    req: Request<'_>,
    progress: &mut dyn FnMut(u64),
    split: Split,
) -> std::io::Result<Option<Streamed>> {
    let (before_policy, before_at, before) = before_of(req.policy, req.base, req.at);
    let d = Deciding {
        req,
        before_policy,
        before_at,
        before,
        base: req.base.filter(|_| before == Before::Base),
    };
    let mut merged = None;
    if format == Format::Csv && split.workers > 1 {
        match parallel::simulate_csv(open()?, size_hint, d, split, progress)? {
            parallel::Parallel::Done(m) => merged = Some(*m),
            parallel::Parallel::Refused => return Ok(None),
            // A quoted field: two threads read it in order.
            parallel::Parallel::Quoted => {}
        }
    }
    let m = match merged {
        Some(m) => m,
        None => match two_threads(format, open, size_hint, d, progress)? {
            Some(m) => m,
            None => return Ok(None),
        },
    };
    if !m.suspects.is_empty() && repeated(format, open, req.columns, &m.suspects, split)? {
        return Ok(None);
    }
    Ok(Some(Streamed {
        summary: m.tally.finish(
            req.at,
            before,
            req.app.map(String::from),
            m.rows,
            req.policy.has_report_only(),
        ),
    }))
}

/// What a simulation decides, as its threads need it.
#[derive(Clone, Copy)]
struct Deciding<'a> {
    req: Request<'a>,
    before_policy: &'a Policy,
    before_at: Timestamp,
    before: Before,
    /// The base policy, whose group ids are resolved too.
    base: Option<&'a Policy>,
}

/// Every user decided, in file order: the tally, a row for every group
/// some user holds, and the hashes of the ids the filter flagged.
struct Merged {
    tally: Tally,
    rows: Vec<GroupRow>,
    suspects: FxHashSet<u64>,
}

/// One thread reads users into batches, a second decides them; `None`
/// when the reference reader would refuse the file.
fn two_threads<R: Read + Send>(
    format: Format,
    open: &dyn Fn() -> std::io::Result<R>,
    size_hint: u64,
    d: Deciding<'_>,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<Option<Merged>> {
    let req = d.req;
    let mut names = Names::new(req.policy, d.base);
    let (to_decider, batches) = mpsc::sync_channel::<Batch>(4);
    let (recycle, spent) = mpsc::channel::<Batch>();
    let decided = std::thread::scope(|s| {
        let decider = s.spawn(move || {
            let (mut decider, mut repeats) = (Decider::new(d), Repeats::new(size_hint));
            let mut at = Instants::new(d);
            let mut hashes = Vec::with_capacity(BATCH);
            for b in batches {
                // A batch at a time, not as each row is read: the filter is
                // far bigger than the caches, a loop of nothing but
                // independent inserts lets the processor wait for many of
                // those memory reads at once, and the reader has the
                // heavier share of the rest.
                hashes.clear();
                hashes.extend(b.ids().map(|id| bloom::id_hash(id.as_bytes())));
                repeats.add(&hashes);
                decider.batch(&b, &mut at);
                // The reader may have stopped: a batch it no longer wants is dropped.
                let _ = recycle.send(b);
            }
            (decider, repeats)
        });
        let read = read_batches(
            format,
            open()?,
            req.columns,
            &mut |b| to_decider.send(b).is_ok(),
            &mut || spent.try_recv().ok(),
            &mut names,
            progress,
        );
        drop(to_decider);
        let decider = decider
            .join()
            .map_err(|_| std::io::Error::other("the simulation's decider stopped"))?;
        Ok::<_, std::io::Error>((read?, decider))
    });
    let (read, (mut d, repeats)) = decided?;
    if !read {
        return Ok(None);
    }
    let mut rows: Vec<GroupRow> = std::mem::take(&mut d.rows)
        .into_iter()
        .enumerate()
        .filter(|(_, r)| r.users > 0)
        .map(|(slot, mut r)| {
            r.group = names.name(slot as u32).to_string();
            r
        })
        .collect();
    if d.no_group.users > 0 {
        rows.push(d.no_group);
    }
    Ok(Some(Merged {
        tally: d.tally,
        rows,
        suspects: repeats.suspects,
    }))
}

/// Users of one batch: their ids back to back, and per user the ends of
/// their ranges in the id lists.
#[derive(Default)]
struct Batch {
    ids: String,
    users: Vec<User>,
    /// Group ids in the policy, and in the base policy when there is one.
    after: Vec<u32>,
    before: Vec<u32>,
    /// Report rows, by slot ([`Names`]), once per group the user lists.
    slots: Vec<u32>,
}

#[derive(Clone, Copy)]
struct User {
    id_end: u32,
    after_end: u32,
    before_end: u32,
    slots_end: u32,
    factors: FactorSet,
}

impl Batch {
    fn clear(&mut self) {
        self.ids.clear();
        self.users.clear();
        self.after.clear();
        self.before.clear();
        self.slots.clear();
    }

    /// Add a user as read, its group names resolved; `false` when the
    /// reference reader would refuse it.
    fn push(&mut self, rec: Rec<'_>, names: &mut Names<'_>) -> bool {
        // The groups' NFC check (`Rec::factors`) in the same pass as their
        // look-up: one split of the list, not two.
        let Some(factors) = rec.factors_groups_aside() else {
            return false;
        };
        let mut in_nfc = true;
        for g in rec.groups.group_names() {
            in_nfc &= rec.in_nfc(g);
            names.add(g, self);
        }
        if !in_nfc {
            return false;
        }
        self.ids.push_str(rec.id);
        self.users.push(User {
            id_end: self.ids.len() as u32,
            after_end: self.after.len() as u32,
            before_end: self.before.len() as u32,
            slots_end: self.slots.len() as u32,
            factors,
        });
        true
    }

    /// Each user's id, in order.
    fn ids(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.users.iter().map(move |u| {
            let id = self.ids.get(start..u.id_end as usize).unwrap_or("");
            start = u.id_end as usize;
            id
        })
    }
}

/// Group names as report slots: the policy's groups are their own ids,
/// names it does not know are numbered after them as they are first met.
struct Names<'p> {
    policy: &'p Policy,
    base: Option<&'p Policy>,
    known: u32,
    interned: FxHashMap<String, u32>,
    unknown: Vec<String>,
}

impl<'p> Names<'p> {
    fn new(policy: &'p Policy, base: Option<&'p Policy>) -> Names<'p> {
        Names {
            policy,
            base,
            known: policy.group_count() as u32,
            interned: FxHashMap::default(),
            unknown: Vec::new(),
        }
    }

    /// One group name of a user: its ids and report slot into the batch.
    fn add(&mut self, name: &str, b: &mut Batch) {
        let slot = match self.policy.group_id(name) {
            Some(id) => {
                b.after.push(id);
                id
            }
            None => match self.interned.get(name) {
                Some(&slot) => slot,
                None => {
                    let slot = self.known + self.unknown.len() as u32;
                    self.interned.insert(name.to_string(), slot);
                    self.unknown.push(name.to_string());
                    slot
                }
            },
        };
        if let Some(id) = self.base.and_then(|p| p.group_id(name)) {
            b.before.push(id);
        }
        b.slots.push(slot);
    }

    fn name(&self, slot: u32) -> &str {
        match slot.checked_sub(self.known) {
            None => self.policy.group_name(slot),
            Some(i) => self.unknown.get(i as usize).map_or("", String::as_str),
        }
    }
}

/// Read every user into batches of resolved ids; `false` when the
/// reference reader would refuse the file (or the decider stopped).
fn read_batches(
    format: Format,
    input: impl Read,
    columns: &Columns,
    send: &mut dyn FnMut(Batch) -> bool,
    reuse: &mut dyn FnMut() -> Option<Batch>,
    names: &mut Names<'_>,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<bool> {
    let mut b = Batch::default();
    let read = read_users(format, input, columns, &mut |rec, at| {
        if !b.push(rec, names) {
            return false;
        }
        if b.users.len() == BATCH {
            progress(at);
            let next = reuse().unwrap_or_default();
            if !send(std::mem::replace(&mut b, next)) {
                return false;
            }
            b.clear();
        }
        true
    })?;
    Ok(read && (b.users.is_empty() || send(b)))
}

/// A cell as the file has it: text (a CSV cell, or a JSON string, split at
/// `;` when it holds a list) or a JSON list of strings.
#[derive(Clone, Copy, Debug)]
enum CellRef<'a> {
    Text(&'a str),
    List(&'a [String]),
}

impl<'a> CellRef<'a> {
    /// Each group name, trimmed, empty ones dropped (in both forms, as the
    /// reference reader does).
    fn group_names(self) -> GroupNames<'a> {
        match self {
            CellRef::Text(t) => GroupNames::Text(items(t)),
            CellRef::List(l) => GroupNames::List(l.iter()),
        }
    }

    /// The factor set; `None` for an unknown kind. A list's items are only
    /// trimmed, so an empty item is an unknown kind, as the reference
    /// reader has it; text drops empty items.
    fn factors(self) -> Option<FactorSet> {
        let add = |set: FactorSet, f: &str| Factor::from_name(f).map(|k| set.with(k));
        match self {
            CellRef::Text(t) => items(t).try_fold(FactorSet::EMPTY, add),
            CellRef::List(l) => l.iter().try_fold(FactorSet::EMPTY, |s, f| add(s, f.trim())),
        }
    }
}

/// [`CellRef::group_names`]: an iterator, not a callback, so that the loop
/// over a user's twenty names compiles as one, with no call per name.
enum GroupNames<'a> {
    Text(crate::directory::Items<'a>),
    List(std::slice::Iter<'a, String>),
}

impl<'a> Iterator for GroupNames<'a> {
    type Item = &'a str;

    #[inline(always)]
    fn next(&mut self) -> Option<&'a str> {
        match self {
            GroupNames::Text(items) => items.next(),
            GroupNames::List(l) => l.find_map(|g| crate::directory::item(g)),
        }
    }
}

/// One user as read, before any check.
#[derive(Clone, Copy, Debug)]
struct Rec<'a> {
    id: &'a str,
    groups: CellRef<'a>,
    factors: CellRef<'a>,
    /// Every cell is known to be ASCII, so in NFC: no name need be
    /// checked (a reader that scanned its whole block says so).
    ascii: bool,
}

impl Rec<'_> {
    /// The user's factors, if the reference reader takes the user as it
    /// stands: an id that is not blank, only known factor kinds, and an id
    /// and groups already in NFC (a name the reference reader normalises
    /// could be a repeat this stream's filter would miss; that rare file is
    /// left to it).
    fn factors(&self) -> Option<FactorSet> {
        self.groups
            .group_names()
            .all(|g| self.in_nfc(g))
            .then_some(())?;
        self.factors_groups_aside()
    }

    /// Whether `name`, one of this user's cells, is in NFC: known without
    /// a look where the reader found every cell ASCII.
    fn in_nfc(&self, name: &str) -> bool {
        self.ascii || is_nfc(name)
    }

    /// [`Rec::factors`] but for the groups' NFC check, which the caller
    /// makes.
    fn factors_groups_aside(&self) -> Option<FactorSet> {
        if self.id.trim().is_empty() || !self.in_nfc(self.id) {
            return None;
        }
        self.factors.factors()
    }
}

/// Read a directory file's users in order, calling `each` with each and
/// the bytes read so far; `Ok(false)` where the reference reader would
/// refuse the file, or `each` said stop.
fn read_users(
    format: Format,
    input: impl Read,
    columns: &Columns,
    each: &mut dyn FnMut(Rec<'_>, u64) -> bool,
) -> std::io::Result<bool> {
    match format {
        Format::Csv => csv::read_users(input, columns, each),
        Format::Json => de::read_json(input, columns, each),
        Format::Yaml => de::read_yaml(input, columns, each),
    }
}

/// The first pass's repeated-id check: the filter, and the hashes of the
/// ids it flagged, for the exact second pass.
struct Repeats {
    filter: Bloom,
    suspects: FxHashSet<u64>,
}

impl Repeats {
    fn new(size_hint: u64) -> Repeats {
        Repeats {
            filter: Bloom::new(size_hint),
            suspects: FxHashSet::default(),
        }
    }

    /// Add ids, in file order, by their hashes ([`bloom::id_hash`]).
    fn add(&mut self, hashes: &[u64]) {
        let suspects = &mut self.suspects;
        self.filter.insert_all(hashes, &mut |h| {
            suspects.insert(h);
        });
    }
}

/// Read every user as the streamed simulation does (UTF-8, trimmed
/// cells, group lists split, factors parsed), deciding nothing: the number
/// of users and of group names they list, or `None` where the reference
/// reader would refuse the file. The floor under [`simulate_file`] that the
/// simulate benchmark prints beside it.
pub fn parse_only(
    format: Format,
    input: impl Read,
    columns: &Columns,
) -> std::io::Result<Option<(usize, usize)>> {
    let (mut users, mut groups) = (0usize, 0usize);
    let read = read_users(format, input, columns, &mut |rec, _| {
        if rec.factors().is_none() {
            return false;
        }
        groups += rec.groups.group_names().count();
        users += 1;
        true
    })?;
    Ok(read.then_some((users, groups)))
}

/// The second pass, on every core where the first ran so: does any
/// flagged id occur twice (or has the file changed so that it no longer
/// reads)?
fn repeated<R: Read + Send>(
    format: Format,
    open: &dyn Fn() -> std::io::Result<R>,
    columns: &Columns,
    suspects: &FxHashSet<u64>,
    split: Split,
) -> std::io::Result<bool> {
    if format == Format::Csv && split.workers > 1 {
        if let Some(twice) = parallel::repeats_csv(open()?, columns, split, suspects)? {
            return Ok(twice);
        }
    }
    repeats(format, open()?, columns, suspects)
}

/// The second pass in order: does any flagged id occur twice (or has the
/// file changed so that it no longer reads)?
fn repeats(
    format: Format,
    input: impl Read,
    columns: &Columns,
    suspects: &FxHashSet<u64>,
) -> std::io::Result<bool> {
    let mut twice = false;
    let mut seen: FxHashSet<Box<[u8]>> = FxHashSet::default();
    let read = read_users(format, input, columns, &mut |rec, _| {
        let id = rec.id.as_bytes();
        if suspects.contains(&bloom::id_hash(id)) {
            twice |= !seen.insert(id.into());
        }
        !twice
    })?;
    Ok(twice || !read)
}

/// The decider's state: the running tally and a row per report slot.
struct Decider {
    tally: Tally,
    rows: Vec<GroupRow>,
    no_group: GroupRow,
    keep: Keep,
    before: Before,
}

/// The policy at the instant simulated and at "before", each remembering
/// the verdicts it has worked out: kept by a thread from batch to batch.
struct Instants<'a> {
    after: AtInstant<'a>,
    before: AtInstant<'a>,
}

impl<'a> Instants<'a> {
    fn new(d: Deciding<'a>) -> Instants<'a> {
        Instants {
            after: AtInstant::new(d.req.policy, d.req.at, d.req.app),
            before: AtInstant::new(d.before_policy, d.before_at, d.req.app),
        }
    }
}

impl Decider {
    fn new(d: Deciding<'_>) -> Decider {
        Decider {
            tally: Tally::default(),
            rows: Vec::new(),
            no_group: GroupRow::new(NO_GROUP),
            keep: d.req.keep,
            before: d.before,
        }
    }

    fn batch(&mut self, b: &Batch, at: &mut Instants<'_>) {
        let (mut a0, mut b0, mut s0) = (0, 0, 0);
        for (u, id) in b.users.iter().zip(b.ids()) {
            let after_ids = b.after.get(a0..u.after_end as usize).unwrap_or_default();
            let before_ids = b.before.get(b0..u.before_end as usize).unwrap_or_default();
            let slots = b.slots.get(s0..u.slots_end as usize).unwrap_or_default();
            (a0, b0, s0) = (
                u.after_end as usize,
                u.before_end as usize,
                u.slots_end as usize,
            );
            let after = at.after.verdict(id, after_ids, u.factors);
            let before_snap = match self.before {
                Before::Unchanged => after,
                Before::Phase(_) => at.before.verdict(id, after_ids, u.factors),
                Before::Base => at.before.verdict(id, before_ids, u.factors),
            };
            let changed = self
                .tally
                .add(before_snap, after, self.keep, || id.to_string());
            if slots.is_empty() {
                self.no_group.add(changed, after.outcome);
            }
            for &slot in slots {
                let slot = slot as usize;
                if self.rows.len() <= slot {
                    self.rows.resize_with(slot + 1, || GroupRow::new(""));
                }
                if let Some(row) = self.rows.get_mut(slot) {
                    row.add(changed, after.outcome);
                }
            }
        }
    }
}

/// A reader that drops a leading UTF-8 byte-order mark, as the reference
/// reader does with the text.
struct Unbom<R> {
    inner: R,
    /// The first bytes, read ahead to look for the mark.
    head: Vec<u8>,
    at: usize,
    started: bool,
}

impl<R: Read> Unbom<R> {
    fn new(inner: R) -> Unbom<R> {
        Unbom {
            inner,
            head: Vec::new(),
            at: 0,
            started: false,
        }
    }
}

impl<R: Read> Read for Unbom<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.started {
            self.started = true;
            let mut head = [0u8; 3];
            let mut n = 0;
            while n < 3 {
                match self.inner.read(head.get_mut(n..).unwrap_or_default())? {
                    0 => break,
                    k => n += k,
                }
            }
            let head = head.get(..n).unwrap_or_default();
            self.head = if head == b"\xEF\xBB\xBF" {
                Vec::new()
            } else {
                head.to_vec()
            };
        }
        if let Some(rest) = self.head.get(self.at..).filter(|r| !r.is_empty()) {
            let n = rest.len().min(buf.len());
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.at += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_dropped_and_nothing_else() {
        let read = |bytes: &[u8]| {
            let mut out = Vec::new();
            Unbom::new(bytes).read_to_end(&mut out).unwrap();
            out
        };
        assert_eq!(read(b"\xEF\xBB\xBFid\n"), b"id\n");
        assert_eq!(read(b"id\n"), b"id\n");
        assert_eq!(read(b"i"), b"i");
        assert_eq!(read(b""), b"");
        assert_eq!(read(b"\xEF\xBBx"), b"\xEF\xBBx");
    }
}
