//! A CSV directory on every core. The file is cut into blocks of whole
//! lines; each worker parses, resolves and decides a block on its own
//! (its own tally, group rows and names no rule knows), and this thread
//! merges the blocks' results in file order, so every count and list is
//! what one reader in order would have made. Memory stays bounded: a few
//! blocks are in flight at once.
//!
//! A line is a record only where no field is quoted (a quoted field may
//! hold a line break, and a quote inside an unquoted field is a plain
//! character to the CSV reader): a block with a `"` in it stops this path
//! ([`Parallel::Quoted`]), and the caller streams the file the two-thread
//! way. Exports either quote their fields or do not, so that is known at
//! the first block.
//!
//! The repeated-id filter needs the ids in order (two copies inserted at
//! once by two threads could each miss the other), so the workers hand
//! back each id's hash and this thread fills the filter, block by block.

use super::{bloom, Batch, Decider, Deciding, Instants, Merged, Names, Rec, Repeats, Split};
use crate::directory::{Columns, Field};
use crate::simulate::summary::{GroupRow, Keep, Tally, NO_GROUP};
use mfac_core::eval::Policy;
use rustc_hash::{FxHashMap, FxHashSet};
use std::io::Read;
use std::sync::{mpsc, Mutex};

/// Bytes per block: some thirty thousand users of a typical export.
pub(super) const BLOCK: usize = 4 << 20;

/// Users a worker reads before deciding them: few enough that their group
/// ids stay in the cache beside the policy's tables.
const BLOCK_BATCH: usize = 256;

/// How a parallel pass ended.
pub(super) enum Parallel {
    /// Every user decided; the caller checks the flagged ids.
    Done(Box<Merged>),
    /// The reference reader refuses the file (its diagnostics are due).
    Refused,
    /// A field is quoted: stream it the two-thread way.
    Quoted,
}

/// One block decided; `None`: something the reference reader would
/// refuse.
type Block = Option<Decided>;

struct Decided {
    tally: Tally,
    /// By report slot: a policy group's id, or past them a name of
    /// `unknown`.
    rows: Vec<GroupRow>,
    unknown: Vec<String>,
    no_group: GroupRow,
    hashes: Vec<u64>,
}

/// Simulate a CSV file (the BOM and header not yet read) in blocks on
/// `split.workers` threads.
pub(super) fn simulate_csv(
    input: impl Read,
    size_hint: u64,
    d: Deciding<'_>,
    split: Split,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<Parallel> {
    let mut merge = Merge::new(d.req.policy, d.req.keep, size_hint);
    let stop = in_blocks(
        input,
        d.req.columns,
        split,
        &|| {
            let mut at = Instants::new(d);
            move |bytes: &[u8], roles: &[Option<Field>]| decide_block(bytes, roles, d, &mut at)
        },
        &mut |i, b| {
            merge.take(i, b);
            !merge.refused
        },
        progress,
    )?;
    Ok(match stop {
        Stop::End if !merge.refused => Parallel::Done(Box::new(merge.finish(d.req.policy))),
        Stop::End | Stop::Refused => Parallel::Refused,
        Stop::Quoted => Parallel::Quoted,
    })
}

/// The exact pass over the ids the filter flagged, in blocks on every
/// core: does one occur twice (or does the file no longer read)? `None`
/// for a file with a quoted field, which the caller reads in order.
pub(super) fn repeats_csv(
    input: impl Read,
    columns: &Columns,
    split: Split,
    suspects: &FxHashSet<u64>,
) -> std::io::Result<Option<bool>> {
    let (mut seen, mut twice) = (FxHashSet::<Box<[u8]>>::default(), false);
    let stop = in_blocks(
        input,
        columns,
        split,
        &|| |bytes: &[u8], roles: &[Option<Field>]| flagged_ids(bytes, roles, suspects),
        &mut |_, ids| {
            match ids {
                Some(ids) => ids.into_iter().for_each(|id| twice |= !seen.insert(id)),
                None => twice = true,
            }
            !twice
        },
        &mut |_| {},
    )?;
    Ok(match stop {
        Stop::Quoted => None,
        Stop::End => Some(twice),
        Stop::Refused => Some(true),
    })
}

/// The ids of a block whose hashes the filter flagged; `None` where the
/// block no longer reads as a directory.
fn flagged_ids(
    bytes: &[u8],
    roles: &[Option<Field>],
    suspects: &FxHashSet<u64>,
) -> Option<Vec<Box<[u8]>>> {
    let mut ids = Vec::new();
    let read = each_record(bytes, roles, &mut |rec| {
        let id = rec.id.as_bytes();
        if suspects.contains(&bloom::id_hash(id)) {
            ids.push(id.into());
        }
        true
    });
    read.then_some(ids)
}

/// Each record of a block of whole lines (no `"` in it) as a user, held to
/// the header's width as the reference reader does (each block is read on
/// its own); `false` where a record does not read or `each` said stop. A
/// block of ASCII is read by hand (`lines.rs`), any other by the CSV
/// reader.
fn each_record(
    bytes: &[u8],
    roles: &[Option<Field>],
    each: &mut dyn FnMut(Rec<'_>) -> bool,
) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.is_ascii() => super::lines::each_user(text, roles, each),
        _ => each_csv_record(bytes, roles, each),
    }
}

/// [`each_record`] by the CSV reader.
fn each_csv_record(
    bytes: &[u8],
    roles: &[Option<Field>],
    each: &mut dyn FnMut(Rec<'_>) -> bool,
) -> bool {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    let mut rec = ::csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return true,
            Err(_) => return false,
        }
        if !super::csv::user(&rec, roles).is_some_and(&mut *each) {
            return false;
        }
    }
}

/// Cut a CSV file (its byte-order mark and header not yet read) into
/// blocks of whole lines, run a worker on each on `split.workers` threads,
/// and hand each result to `take` with its block's index, as they finish
/// (`take` says whether to go on). How the reading stopped: the file's
/// end, `take`'s stop or a header the reference reader refuses, or a
/// quoted field. `start` makes each thread's worker, which takes a block
/// and each column's role: once per thread, so that what a worker keeps
/// (the verdicts it has worked out) lasts from block to block.
fn in_blocks<T: Send, W: FnMut(&[u8], &[Option<Field>]) -> T>(
    mut input: impl Read,
    columns: &Columns,
    split: Split,
    start: &(dyn Fn() -> W + Sync),
    take: &mut dyn FnMut(usize, T) -> bool,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<Stop> {
    let Split { workers, block } = split;
    let mut carry = Vec::new();
    let Some(first) = next_block(&mut input, &mut carry, block, None)? else {
        return Ok(Stop::Refused);
    };
    if first.contains(&b'"') {
        return Ok(Stop::Quoted);
    }
    let body = first.strip_prefix(BOM).unwrap_or(&first);
    let Some((roles, header_end)) = header(body, columns)? else {
        return Ok(Stop::Refused);
    };
    let rest = body.get(header_end..).unwrap_or_default().to_vec();

    let (to_workers, queue) = mpsc::sync_channel::<(usize, Vec<u8>)>(workers);
    let queue = Mutex::new(queue);
    let (done, results) = mpsc::channel::<(usize, T)>();
    // Blocks read go back to the reader to be filled again: a new one
    // would be fresh pages from the system, each faulted in.
    let (spent, spare) = mpsc::channel::<Vec<u8>>();
    let mut read = 0u64;
    std::thread::scope(|s| {
        for _ in 0..workers {
            let (queue, done, spent, roles) = (&queue, done.clone(), spent.clone(), &roles);
            s.spawn(move || {
                let mut work = start();
                loop {
                    let next = queue.lock().ok().and_then(|q| q.recv().ok());
                    let Some((i, bytes)) = next else { break };
                    if done.send((i, work(&bytes, roles))).is_err() {
                        break;
                    }
                    // The reader may be done: a block it no longer wants is dropped.
                    let _ = spent.send(bytes);
                }
            });
        }
        drop(spent);
        drop(done);
        let mut going = true;
        let (mut sent, mut bytes) = (0, rest);
        let stop = loop {
            read += bytes.len() as u64;
            if to_workers.send((sent, bytes)).is_err() {
                break Ok(Stop::Refused);
            }
            sent += 1;
            while let (true, Ok((i, r))) = (going, results.try_recv()) {
                going = take(i, r);
            }
            if !going {
                break Ok(Stop::Refused);
            }
            progress(read);
            bytes = match next_block(&mut input, &mut carry, block, spare.try_recv().ok()) {
                Ok(Some(b)) if b.contains(&b'"') => break Ok(Stop::Quoted),
                Ok(Some(b)) => b,
                Ok(None) => break Ok(Stop::End),
                Err(e) => break Err(e),
            };
        };
        drop(to_workers);
        for (i, r) in results.iter() {
            if going {
                going = take(i, r);
            }
        }
        match stop {
            Ok(Stop::End) if !going => Ok(Stop::Refused),
            other => other,
        }
    })
}

/// Why the reading loop stopped.
enum Stop {
    End,
    Refused,
    Quoted,
}

/// The next block of whole lines (the last, of what is left), or `None`
/// at the end, in `reuse` if given. `carry` holds the part line the
/// previous block left.
fn next_block(
    input: &mut impl Read,
    carry: &mut Vec<u8>,
    size: usize,
    reuse: Option<Vec<u8>>,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut block = match reuse {
        Some(mut b) => {
            b.clear();
            b.append(carry);
            b
        }
        None => std::mem::take(carry),
    };
    block.reserve(size);
    loop {
        let had = block.len();
        let n = input.take(size as u64).read_to_end(&mut block)?;
        if n == 0 {
            return Ok((!block.is_empty()).then_some(block));
        }
        // Cut after the last line end among the new bytes (a line longer
        // than a block makes the block longer). `\r` ends a line as `\n`
        // does, and a `\n` left at the next block's start is a blank line.
        let new = block.get(had..).unwrap_or_default();
        if let Some(at) = new.iter().rposition(|&b| b == b'\n' || b == b'\r') {
            *carry = block.split_off(had + at + 1);
            return Ok(Some(block));
        }
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Each column's role, from the header record at the start of `body`, and
/// where the records after it start; `None` when the reference reader
/// refuses the header (or for a second byte-order mark, which the CSV
/// reader would drop too and so shift every offset: the reference reader
/// takes that rare file).
fn header(body: &[u8], columns: &Columns) -> std::io::Result<Option<(Vec<Option<Field>>, usize)>> {
    if body.starts_with(BOM) {
        return Ok(None);
    }
    Ok(super::csv::open_csv(body, columns)?
        .map(|(reader, roles)| (roles, reader.position().byte() as usize)))
}

/// Parse, resolve and decide one block of whole lines, a batch of users at
/// a time (one batch, reused: its lists stay in the cache and are not
/// grown again for every block).
fn decide_block<'a>(
    bytes: &[u8],
    roles: &[Option<Field>],
    d: Deciding<'a>,
    at: &mut Instants<'a>,
) -> Block {
    let mut names = Names::new(d.req.policy, d.base);
    let (mut batch, mut decider) = (Batch::default(), Decider::new(d));
    let mut hashes = Vec::new();
    let mut decide = |batch: &mut Batch| {
        hashes.extend(batch.ids().map(|id| bloom::id_hash(id.as_bytes())));
        decider.batch(batch, at);
        batch.clear();
    };
    let read = each_record(bytes, roles, &mut |u| {
        if !batch.push(u, &mut names) {
            return false;
        }
        if batch.users.len() == BLOCK_BATCH {
            decide(&mut batch);
        }
        true
    });
    if !read {
        return None;
    }
    decide(&mut batch);
    Some(Decided {
        hashes,
        tally: decider.tally,
        rows: decider.rows,
        unknown: names.unknown,
        no_group: decider.no_group,
    })
}

/// The blocks' results as they arrive, merged in file order.
struct Merge {
    keep: Keep,
    known: usize,
    /// Blocks decided ahead of the next one in order.
    waiting: FxHashMap<usize, Block>,
    next: usize,
    refused: bool,
    tally: Tally,
    rows: Vec<GroupRow>,
    unknown: FxHashMap<String, GroupRow>,
    no_group: GroupRow,
    repeats: Repeats,
}

impl Merge {
    fn new(policy: &Policy, keep: Keep, size_hint: u64) -> Merge {
        Merge {
            keep,
            known: policy.group_count(),
            waiting: FxHashMap::default(),
            next: 0,
            refused: false,
            tally: Tally::default(),
            rows: Vec::new(),
            unknown: FxHashMap::default(),
            no_group: GroupRow::new(NO_GROUP),
            repeats: Repeats::new(size_hint),
        }
    }

    /// Block `i` is decided: merge it and any that waited for it.
    fn take(&mut self, i: usize, block: Block) {
        self.waiting.insert(i, block);
        while let Some(b) = self.waiting.remove(&self.next) {
            self.next += 1;
            match b {
                Some(d) => self.merge(d),
                None => self.refused = true,
            }
        }
    }

    fn merge(&mut self, d: Decided) {
        if self.refused {
            return;
        }
        self.repeats.add(&d.hashes);
        self.tally.merge(d.tally, self.keep);
        self.no_group.merge(&d.no_group);
        for (slot, row) in d.rows.iter().enumerate().filter(|(_, r)| r.users > 0) {
            match slot.checked_sub(self.known) {
                None => {
                    if self.rows.len() <= slot {
                        self.rows.resize_with(slot + 1, || GroupRow::new(""));
                    }
                    if let Some(r) = self.rows.get_mut(slot) {
                        r.merge(row);
                    }
                }
                Some(u) => {
                    let name = d.unknown.get(u).map_or("", String::as_str);
                    self.unknown
                        .entry(name.to_string())
                        .or_insert_with(|| GroupRow::new(name))
                        .merge(row);
                }
            }
        }
    }

    fn finish(self, policy: &Policy) -> Merged {
        let mut rows: Vec<GroupRow> = self
            .rows
            .into_iter()
            .enumerate()
            .filter(|(_, r)| r.users > 0)
            .map(|(id, mut r)| {
                r.group = policy.group_name(id as u32).to_string();
                r
            })
            .chain(self.unknown.into_values())
            .collect();
        if self.no_group.users > 0 {
            rows.push(self.no_group);
        }
        Merged {
            tally: self.tally,
            rows,
            suspects: self.repeats.suspects,
        }
    }
}
