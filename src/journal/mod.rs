//! The session journal: one JSON object per line, appended before the state
//! changes. Human decisions are fsync'd, so what the screen shows as ticked
//! survives a crash. [`load`] is the strict reader resume, `watch` and
//! `report` share: a torn last line (a crash mid-write) is dropped with a
//! notice, a fragment left by a failed write before a good record is skipped
//! with a notice, any other damage stops it with the line number.

pub mod lock;
pub mod sessions;

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, Utc};

use crate::core::event::{Event, Record};

pub const FILE_NAME: &str = "journal.jsonl";

/// Where a journal's bytes go: the file, or (in tests) a file whose writes
/// fail part-way, as they do when the disk fills.
pub trait Sink: Write + Send + std::fmt::Debug {
    fn set_len(&mut self, len: u64) -> io::Result<()>;
    fn sync_data(&mut self) -> io::Result<()>;
}

impl Sink for File {
    fn set_len(&mut self, len: u64) -> io::Result<()> {
        File::set_len(self, len)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        File::sync_data(self)
    }
}

#[derive(Debug)]
pub struct Journal {
    file: Box<dyn Sink>,
    path: PathBuf,
    seq: u64,
    /// The file's length after the last record that was written whole.
    len: u64,
    /// A failed write left bytes past `len` that could not be cut off yet:
    /// nothing may be appended until they are (it would land on their line).
    dirty: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}:{line}: not a journal record: {message}")]
    Bad {
        path: String,
        line: usize,
        message: String,
    },
    #[error(
        "{path}:{line}: record seq {found} follows seq {after}: records are missing or reordered"
    )]
    Sequence {
        path: String,
        line: usize,
        found: u64,
        after: u64,
    },
}

/// A last line cut short by a crash: dropped, and said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Torn {
    pub line: usize,
    pub bytes: usize,
}

/// The fragment of a write that failed part-way (a full disk), found at the
/// start of a line that goes on with a whole record: skipped, and said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub line: usize,
    pub bytes: usize,
}

impl Fragment {
    pub fn notice(&self, path: &Path) -> String {
        format!(
            "{}:{}: {} bytes of an unfinished write (a full disk?) before the record skipped",
            path.display(),
            self.line,
            self.bytes
        )
    }
}

/// A journal as read back: the records, and where the good part ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub records: Vec<Record>,
    pub torn: Option<Torn>,
    /// Fragments of failed writes that were skipped to reach a good record.
    pub fragments: Vec<Fragment>,
    /// Bytes up to the end of the last good line: resume truncates here so
    /// the next record never lands after a torn fragment.
    pub valid_len: u64,
    /// The last record is whole but its newline never made it to disk.
    pub missing_newline: bool,
}

impl Torn {
    pub fn notice(&self, path: &Path) -> String {
        format!(
            "{}:{}: torn last line ({} bytes, a crash mid-write) dropped",
            path.display(),
            self.line,
            self.bytes
        )
    }
}

/// `$XDG_STATE_HOME/rollout-cockpit`, else `~/.local/state/rollout-cockpit`.
pub fn default_root() -> Option<PathBuf> {
    let from = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    from("XDG_STATE_HOME")
        .or_else(|| from("HOME").map(|h| h.join(".local/state")))
        .map(|p| p.join("rollout-cockpit"))
}

/// Where the demo keeps its sessions: beside the real ones, never among
/// them, so `run --resume` cannot pick a rehearsal up; `watch` and `report`
/// with no PATH look here too.
pub fn demo_root(root: &Path) -> PathBuf {
    root.join("demo")
}

/// `<root>/<runbook-stem>-<YYYYMMDD-HHMMSS>`, made unique with `-2`, `-3`...
/// if two sessions start within the same second.
pub fn new_session_dir(root: &Path, stem: &str, now: DateTime<Local>) -> io::Result<PathBuf> {
    std::fs::create_dir_all(root)?;
    let base = format!("{stem}-{}", now.format("%Y%m%d-%H%M%S"));
    for n in 1..1000 {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let dir = root.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "{}: too many sessions named {base}",
        root.display()
    )))
}

impl Journal {
    /// Creates `journal.jsonl` in `dir`; refuses to overwrite one.
    pub fn create(dir: &Path) -> io::Result<Journal> {
        let path = dir.join(FILE_NAME);
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)?;
        Ok(Journal::with_sink(path, Box::new(file), 0, 0))
    }

    /// A journal writing to `sink`, whose length is `len` and whose last
    /// record is `seq`.
    pub fn with_sink(path: PathBuf, sink: Box<dyn Sink>, seq: u64, len: u64) -> Journal {
        Journal {
            file: sink,
            path,
            seq,
            len,
            dirty: false,
        }
    }

    /// Opens an existing journal to go on writing it: cuts a torn last line
    /// off first, and continues the sequence.
    pub fn resume(path: &Path, loaded: &Loaded) -> io::Result<Journal> {
        let mut file = OpenOptions::new().append(true).open(path)?;
        if file.metadata()?.len() != loaded.valid_len {
            file.set_len(loaded.valid_len)?;
            file.sync_all()?;
        }
        let mut len = loaded.valid_len;
        if loaded.missing_newline {
            file.write_all(b"\n")?;
            file.sync_data()?;
            len += 1;
        }
        Ok(Journal::with_sink(
            path.to_path_buf(),
            Box::new(file),
            loaded.records.last().map_or(0, |r| r.seq),
            len,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record; returns it once it is as durable as it must be.
    pub fn append(&mut self, by: &str, ts: DateTime<Utc>, event: Event) -> io::Result<Record> {
        let record = Record {
            seq: self.seq + 1,
            ts,
            by: by.to_string(),
            event,
        };
        let mut line = serde_json::to_vec(&record).map_err(io::Error::other)?;
        line.push(b'\n');
        if self.dirty {
            // The next record must start a line of its own, or the loader
            // would see one damaged line where two writes were.
            self.file.set_len(self.len)?;
            self.dirty = false;
        }
        // One write per line: a crash leaves at most a torn last line.
        let written = self.file.write_all(&line).and_then(|()| {
            if record.event.is_human() {
                self.file.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(e) = written {
            // A short write (ENOSPC) leaves a fragment; a failed fsync leaves
            // a record nobody was told about, whose seq the next record would
            // repeat. Either way the bytes go, so the file ends on a whole line.
            self.dirty = self.file.set_len(self.len).is_err();
            return Err(e);
        }
        self.len += line.len() as u64;
        self.seq = record.seq;
        Ok(record)
    }
}

/// Reads a journal for resume, `watch` and `report`. Every line must be a
/// record whose `seq` follows the one before; only a last line without its
/// newline that does not parse is forgiven (reported in [`Loaded::torn`]).
pub fn load(path: &Path) -> Result<Loaded, ReadError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: name.clone(),
        source,
    })?;
    parse(&name, &bytes, 0, 0)
}

/// Parses journal bytes; `first_line` and `after_seq` say where they start
/// (`watch` parses what was appended since its last look).
/// One journal line. Sample batches, most of a long session's lines, take a
/// direct path: the generic one (`flatten` over an internally tagged enum)
/// makes serde buffer every line twice, which a 4-hour replay pays 15,000
/// times. Anything else, or a line the direct path cannot read, goes the
/// generic way, so both paths accept exactly the documented format.
pub fn decode(line: &[u8]) -> serde_json::Result<Record> {
    #[derive(serde::Deserialize)]
    struct SamplesLine {
        seq: u64,
        ts: DateTime<Utc>,
        by: String,
        samples: Vec<crate::domain::monitor::ProbeSample>,
    }
    if memchr::memmem::find(line, br#""type":"samples""#).is_some()
        && let Ok(s) = serde_json::from_slice::<SamplesLine>(line)
    {
        return Ok(Record {
            seq: s.seq,
            ts: s.ts,
            by: s.by,
            event: Event::Samples { samples: s.samples },
        });
    }
    serde_json::from_slice(line)
}

pub fn parse(
    name: &str,
    bytes: &[u8],
    first_line: usize,
    after_seq: u64,
) -> Result<Loaded, ReadError> {
    let mut records = Vec::with_capacity(bytes.len() / 96);
    let mut at = 0usize;
    let mut line_no = first_line;
    let mut last_seq = after_seq;
    let mut torn = None;
    let mut fragments = Vec::new();
    let mut missing_newline = false;
    while at < bytes.len() {
        line_no += 1;
        let (line, next, complete) = match bytes[at..].iter().position(|&b| b == b'\n') {
            Some(n) => (&bytes[at..at + n], at + n + 1, true),
            None => (&bytes[at..], bytes.len(), false),
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            if complete {
                at = next;
            } else {
                break;
            }
            continue;
        }
        let decoded = decode(line).or_else(|e| {
            // A write cut short by a full disk, then the next record on the
            // same line: the record is whole and its seq follows, so keep it.
            let (skip, r) = after_fragment(line).ok_or(e)?;
            if last_seq != 0 && r.seq != last_seq + 1 {
                return Err(serde_json::Error::io(io::Error::other(
                    "a fragment of a failed write, then a record out of sequence",
                )));
            }
            fragments.push(Fragment {
                line: line_no,
                bytes: skip,
            });
            Ok(r)
        });
        match decoded {
            Ok(r) => {
                if last_seq != 0 && r.seq != last_seq + 1 {
                    return Err(ReadError::Sequence {
                        path: name.to_string(),
                        line: line_no,
                        found: r.seq,
                        after: last_seq,
                    });
                }
                last_seq = r.seq;
                records.push(r);
                at = next;
                if !complete {
                    // A whole record without its newline: keep it; resume
                    // writes the newline before the next record.
                    missing_newline = true;
                    break;
                }
            }
            Err(_) if !complete => {
                torn = Some(Torn {
                    line: line_no,
                    bytes: line.len(),
                });
                break;
            }
            Err(e) => {
                return Err(ReadError::Bad {
                    path: name.to_string(),
                    line: line_no,
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(Loaded {
        records,
        torn,
        fragments,
        valid_len: at as u64,
        missing_newline,
    })
}

/// The last record that starts inside `line` after some other bytes.
fn after_fragment(line: &[u8]) -> Option<(usize, Record)> {
    const START: &[u8] = br#"{"seq":"#;
    memchr::memmem::rfind_iter(line, START)
        .filter(|&at| at > 0)
        .find_map(|at| Some((at, decode(&line[at..]).ok()?)))
}

/// Reads every record of a journal, stopping at the first bad line.
pub fn read(path: &Path) -> Result<Vec<Record>, ReadError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| ReadError::Io {
        path: name.clone(),
        source,
    })?;
    let mut out = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| ReadError::Io {
            path: name.clone(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let record = decode(line.as_bytes()).map_err(|e| ReadError::Bad {
            path: name.clone(),
            line: n + 1,
            message: e.to_string(),
        })?;
        out.push(record);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event::Target;

    #[test]
    fn a_samples_line_decodes_the_same_by_both_paths() {
        use crate::domain::monitor::{Outcome, ProbeSample, Sample};
        let ts = DateTime::parse_from_rfc3339("2025-01-15T04:41:00Z")
            .unwrap()
            .to_utc();
        let record = Record {
            seq: 7,
            ts,
            by: "alice".into(),
            event: Event::Samples {
                samples: vec![ProbeSample {
                    sample: Sample {
                        ts,
                        url: "http://127.0.0.1:9/health".into(),
                        latency_ms: 41.5,
                        outcome: Outcome::HttpStatus(503),
                    },
                    details: None,
                }],
            },
        };
        let line = serde_json::to_string(&record).unwrap();
        assert!(line.contains(r#""type":"samples""#), "{line}");
        assert_eq!(decode(line.as_bytes()).unwrap(), record);
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), record);
        // A note that merely quotes the marker is not a sample batch.
        let note = Record {
            seq: 8,
            ts,
            by: "bob".into(),
            event: Event::Noted {
                target: None,
                text: r#"saw "type":"samples" in the log"#.into(),
            },
        };
        let line = serde_json::to_string(&note).unwrap();
        assert_eq!(decode(line.as_bytes()).unwrap(), note);
    }

    #[test]
    fn a_baseline_pin_carries_the_log_rate_only_when_there_is_one() {
        use crate::domain::monitor::BaselineSource;
        let ts = DateTime::parse_from_rfc3339("2025-01-15T04:41:00Z")
            .unwrap()
            .to_utc();
        let pin = |log_errors_per_min| Record {
            seq: 1,
            ts,
            by: "alice".into(),
            event: Event::BaselinePinned {
                error_rate: 0.4,
                latency_ms: Some(180.0),
                samples: 60,
                source: BaselineSource::Auto,
                log_errors_per_min,
                requests: None,
                throughput: None,
            },
        };
        let with = pin(Some(2.0));
        let line = serde_json::to_string(&with).unwrap();
        assert!(line.contains(r#""log_errors_per_min":2.0"#), "{line}");
        assert_eq!(decode(line.as_bytes()).unwrap(), with);
        let without = pin(None);
        let line = serde_json::to_string(&without).unwrap();
        assert!(!line.contains("log_errors"), "{line}");
        // As journaled before there was a log stream.
        let old = r#"{"seq":1,"ts":"2025-01-15T04:41:00Z","by":"alice","type":"baseline_pinned","error_rate":0.4,"latency_ms":180.0,"samples":60,"source":"auto"}"#;
        assert_eq!(decode(old.as_bytes()).unwrap(), without);
    }

    #[test]
    fn records_round_trip_with_the_documented_fields() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::create(dir.path()).unwrap();
        let ts = DateTime::parse_from_rfc3339("2025-01-15T04:41:00Z")
            .unwrap()
            .with_timezone(&Utc);
        j.append(
            "alice",
            ts,
            Event::Ticked {
                target: Target::Item(3),
            },
        )
        .unwrap();
        let text = std::fs::read_to_string(j.path()).unwrap();
        assert_eq!(
            text,
            "{\"seq\":1,\"ts\":\"2025-01-15T04:41:00Z\",\"by\":\"alice\",\"type\":\"ticked\",\"target\":{\"item\":3}}\n"
        );
        let back = read(j.path()).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].by, "alice");
        assert!(
            Journal::create(dir.path()).is_err(),
            "never overwrite a journal"
        );
    }

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, "{\"seq\":1,\"ts\":\"2025-01-15T04:41:00Z\",\"by\":\"a\",\"type\":\"ticked\",\"target\":{\"item\":0}}\n{oops\n").unwrap();
        let err = read(&p).unwrap_err().to_string();
        assert!(err.contains(":2: not a journal record"), "{err}");
    }

    fn line(seq: u64) -> String {
        format!(
            "{{\"seq\":{seq},\"ts\":\"2025-01-15T04:41:00Z\",\"by\":\"a\",\"type\":\"ticked\",\"target\":{{\"item\":{seq}}}}}\n"
        )
    }

    #[test]
    fn a_torn_last_line_is_dropped_with_a_notice_and_cut_on_resume() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        let good = format!("{}{}", line(1), line(2));
        std::fs::write(&p, format!("{good}{{\"seq\":3,\"ts\":\"2025-01")).unwrap();
        let loaded = load(&p).unwrap();
        assert_eq!(loaded.records.len(), 2);
        let torn = loaded.torn.clone().unwrap();
        assert_eq!(torn.line, 3);
        assert!(torn.notice(&p).contains(":3: torn last line"));
        let mut j = Journal::resume(&p, &loaded).unwrap();
        let r = j
            .append(
                "b",
                Utc::now(),
                Event::Unticked {
                    target: Target::Item(1),
                },
            )
            .unwrap();
        assert_eq!(r.seq, 3);
        let again = load(&p).unwrap();
        assert_eq!(again.records.len(), 3);
        assert!(again.torn.is_none());
        assert!(std::fs::read_to_string(&p).unwrap().starts_with(&good));
    }

    #[test]
    fn a_whole_last_record_without_its_newline_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        let two = line(2);
        std::fs::write(&p, format!("{}{}", line(1), two.trim_end())).unwrap();
        let loaded = load(&p).unwrap();
        assert_eq!(loaded.records.len(), 2);
        assert!(loaded.torn.is_none() && loaded.missing_newline);
        let mut j = Journal::resume(&p, &loaded).unwrap();
        j.append(
            "b",
            Utc::now(),
            Event::Unticked {
                target: Target::Item(1),
            },
        )
        .unwrap();
        assert_eq!(load(&p).unwrap().records.len(), 3);
    }

    #[test]
    fn damage_before_the_last_line_is_refused_with_its_line_number() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, format!("{}{{garbage\n{}", line(1), line(2))).unwrap();
        let err = load(&p).unwrap_err().to_string();
        assert!(
            err.contains("journal.jsonl:2: not a journal record"),
            "{err}"
        );
        // A bad last line that did get its newline is damage too, not a tear.
        std::fs::write(&p, format!("{}{{garbage\n", line(1))).unwrap();
        assert!(load(&p).unwrap_err().to_string().contains(":2:"));
        // A missing record shows as a gap in seq.
        std::fs::write(&p, format!("{}{}", line(1), line(3))).unwrap();
        let err = load(&p).unwrap_err().to_string();
        assert!(err.contains(":2: record seq 3 follows seq 1"), "{err}");
    }

    /// A real journal file whose writes stop after `room` more bytes, the
    /// way a filling disk does: the write that crosses it is short, the
    /// ones after fail outright, until `room` is raised again.
    #[derive(Debug)]
    struct FullDisk {
        file: File,
        room: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl Write for FullDisk {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            use std::sync::atomic::Ordering::SeqCst;
            let room = self.room.load(SeqCst);
            if room == 0 {
                return Err(io::Error::from_raw_os_error(28)); // ENOSPC
            }
            let n = self.file.write(&buf[..buf.len().min(room)])?;
            self.room.fetch_sub(n, SeqCst);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            self.file.flush()
        }
    }

    impl Sink for FullDisk {
        fn set_len(&mut self, len: u64) -> io::Result<()> {
            self.file.set_len(len)
        }
        fn sync_data(&mut self) -> io::Result<()> {
            self.file.sync_data()
        }
    }

    fn tick(j: &mut Journal, item: usize) -> io::Result<Record> {
        j.append(
            "alice",
            Utc::now(),
            Event::Ticked {
                target: Target::Item(item),
            },
        )
    }

    #[test]
    fn a_write_cut_short_by_a_full_disk_is_cut_back_and_the_session_stays_readable() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&p)
            .unwrap();
        let room = std::sync::Arc::new(AtomicUsize::new(usize::MAX));
        let sink = FullDisk {
            file,
            room: room.clone(),
        };
        let mut j = Journal::with_sink(p.clone(), Box::new(sink), 0, 0);
        for i in 0..8 {
            tick(&mut j, i).unwrap();
        }
        let good = std::fs::read(&p).unwrap();
        // The disk fills 20 bytes into the 9th record.
        room.store(20, SeqCst);
        assert!(tick(&mut j, 8).is_err(), "a short write is an error");
        assert_eq!(std::fs::read(&p).unwrap(), good, "the fragment is cut off");
        assert!(tick(&mut j, 9).is_err(), "still full");
        // Space comes back: the next decision is record 9, on its own line.
        room.store(usize::MAX, SeqCst);
        let r = tick(&mut j, 10).unwrap();
        assert_eq!(r.seq, 9);
        let loaded = load(&p).unwrap();
        assert_eq!(loaded.records.len(), 9);
        assert!(loaded.fragments.is_empty() && loaded.torn.is_none());
        assert_eq!(
            loaded.records[8].event,
            Event::Ticked {
                target: Target::Item(10)
            }
        );
    }

    #[test]
    fn a_fragment_followed_by_a_record_on_its_line_is_skipped_with_a_notice() {
        // What a journal written before the fix holds after a full disk.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        let nine = line(9);
        let fragment = &nine[..20];
        let mut text: String = (1..=8).map(line).collect();
        text.push_str(fragment);
        text.push_str(&nine);
        text.push_str(&line(10));
        std::fs::write(&p, &text).unwrap();
        let loaded = load(&p).unwrap();
        assert_eq!(loaded.records.len(), 10);
        assert_eq!(loaded.fragments, vec![Fragment { line: 9, bytes: 20 }]);
        let notice = loaded.fragments[0].notice(&p);
        assert!(notice.contains("journal.jsonl:9: 20 bytes"), "{notice}");
        // A fragment before a record that does not follow is still damage.
        let mut text: String = (1..=8).map(line).collect();
        text.push_str(fragment);
        text.push_str(&line(12));
        std::fs::write(&p, &text).unwrap();
        let err = load(&p).unwrap_err().to_string();
        assert!(err.contains(":9: not a journal record"), "{err}");
    }

    #[test]
    fn session_dirs_are_named_for_the_runbook_and_never_reused() {
        let root = tempfile::tempdir().unwrap();
        let now = Local::now();
        let a = new_session_dir(root.path(), "terp", now).unwrap();
        let b = new_session_dir(root.path(), "terp", now).unwrap();
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("terp-") && name.len() == "terp-20250115-044100".len());
    }
}
