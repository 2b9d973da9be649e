//! Commitlog replay: reads every segment on disk in id order and yields complete entries.
//!
//! A torn tail (an incomplete or garbled last entry followed only by zeros, or cut off by the
//! end of the file) is expected after a crash and is tolerated in the *last* segment only,
//! with a warning naming the file and offset. Anything else (a complete entry whose CRC fails,
//! damage in an earlier segment, a bad header) is corruption: replay stops with an error
//! naming the file and offset unless the operator explicitly asked to skip bad entries.

use super::segment::{self, HEADER_BYTES};
use super::Position;
use crate::error::{IoContext, Result, StorageError};
use bytes::Bytes;
use std::path::{Path, PathBuf};

/// One complete, checksum-verified entry.
pub struct ReplayedEntry {
    /// Position just after the entry (what `append` returned for it).
    pub end: Position,
    pub path: PathBuf,
    pub offset: u64,
    pub payload: Bytes,
}

/// What replay found besides entries.
#[derive(Debug, Default)]
pub struct ReplaySummary {
    pub segments: Vec<PathBuf>,
    pub entries: u64,
    pub torn_tail: Option<(PathBuf, u64)>,
    pub skipped_corrupt: Vec<(PathBuf, u64, String)>,
    pub max_segment_id: Option<u64>,
}

/// Lists segment files in `dir` by id.
pub fn list_segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(StorageError::io(dir, e)),
    };
    for ent in rd {
        let ent = ent.ctx(dir)?;
        let name = ent.file_name();
        if let Some(id) = name.to_str().and_then(segment::parse_file_name) {
            out.push((id, ent.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Replays all segments in `dir`, calling `apply` on each complete entry in log order.
pub fn replay(
    dir: &Path,
    ignore_errors: bool,
    mut apply: impl FnMut(ReplayedEntry) -> Result<()>,
) -> Result<ReplaySummary> {
    let segments = list_segments(dir)?;
    let mut summary = ReplaySummary::default();
    let n = segments.len();
    for (i, (id, path)) in segments.into_iter().enumerate() {
        let last = i + 1 == n;
        summary.max_segment_id = Some(id);
        let data = Bytes::from(std::fs::read(&path).ctx(&path)?);
        let fail = |offset: u64, reason: String, summary: &mut ReplaySummary| -> Result<()> {
            if ignore_errors {
                tracing::error!(path = %path.display(), offset, %reason, "skipping corrupt commitlog data");
                summary.skipped_corrupt.push((path.clone(), offset, reason));
                Ok(())
            } else {
                Err(StorageError::CommitlogReplay { path: path.clone(), offset, reason })
            }
        };
        if data.len() < HEADER_BYTES {
            if last {
                tracing::warn!(path = %path.display(), "last commitlog segment shorter than its header; ignoring it");
                summary.torn_tail = Some((path.clone(), 0));
                summary.segments.push(path);
                continue;
            }
            fail(0, "segment shorter than its header".into(), &mut summary)?;
            summary.segments.push(path);
            continue;
        }
        if last && data.iter().all(|b| *b == 0) {
            // Created (and sized) but killed before its header was written: nothing in it.
            tracing::warn!(path = %path.display(), "last commitlog segment was never written; ignoring it");
            summary.torn_tail = Some((path.clone(), 0));
            summary.segments.push(path);
            continue;
        }
        if data[..HEADER_BYTES] != segment::header(id) {
            fail(0, "bad segment header (magic, version, id or checksum)".into(), &mut summary)?;
            summary.segments.push(path);
            continue;
        }
        let mut off = HEADER_BYTES;
        loop {
            match read_entry(&data, off) {
                Entry::End => break,
                Entry::Ok { payload, next } => {
                    summary.entries += 1;
                    apply(ReplayedEntry {
                        end: Position { segment: id, offset: next as u32 },
                        path: path.clone(),
                        offset: off as u64,
                        payload,
                    })?;
                    off = next;
                }
                Entry::Bad { reason, extent_end, length_intact } => {
                    let rest_zero = data.get(extent_end..).is_none_or(|r| r.iter().all(|b| *b == 0));
                    if last && rest_zero {
                        tracing::warn!(
                            path = %path.display(),
                            offset = off,
                            reason,
                            "dropping torn tail of the last commitlog segment"
                        );
                        summary.torn_tail = Some((path.clone(), off as u64));
                    } else {
                        fail(off as u64, reason.to_string(), &mut summary)?;
                        // Skipping (errors ignored): if only the payload is damaged, the next
                        // entry's position is known, so only this entry is lost.
                        if length_intact {
                            off = extent_end;
                            continue;
                        }
                    }
                    break;
                }
            }
        }
        summary.segments.push(path);
    }
    Ok(summary)
}

enum Entry {
    End,
    Ok {
        payload: Bytes,
        next: usize,
    },
    /// `extent_end`: where the damaged entry would end, so what follows can be checked;
    /// `length_intact`: its length passed its checksum, so the next entry starts there.
    Bad {
        reason: &'static str,
        extent_end: usize,
        length_intact: bool,
    },
}

fn read_entry(data: &Bytes, off: usize) -> Entry {
    let Some(head) = data.get(off..off + 8) else {
        // Cut off inside the length header: a truncated file.
        return if data.len() == off {
            Entry::End
        } else {
            Entry::Bad { reason: "truncated entry header", extent_end: data.len(), length_intact: false }
        };
    };
    let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let len_crc = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    if len == 0 && len_crc == 0 {
        return Entry::End;
    }
    if crc32c::crc32c(&head[..4]) != len_crc {
        return Entry::Bad { reason: "entry length checksum mismatch", extent_end: off + 8, length_intact: false };
    }
    let end = off + 8 + len + 4;
    let Some(body) = data.get(off + 8..end) else {
        return Entry::Bad { reason: "entry extends past end of file", extent_end: data.len(), length_intact: false };
    };
    let stored = u32::from_le_bytes([body[len], body[len + 1], body[len + 2], body[len + 3]]);
    if crc32c::crc32c(&body[..len]) != stored {
        return Entry::Bad { reason: "entry payload checksum mismatch", extent_end: end, length_intact: true };
    }
    Entry::Ok { payload: data.slice(off + 8..off + 8 + len), next: end }
}
