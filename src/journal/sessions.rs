//! Session directories: finding them (the newest unfinished one of a runbook
//! for `run`, the newest live one for `watch`), the copy of the runbook each
//! session keeps (`runbook-<hash>.md`, so `watch` and `report` need no path
//! and a changed runbook can be mapped), and replaying a journal into a state.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::core::event::{Event, Outcome, Record, Target};
use crate::core::plan::Plan;
use crate::domain::runbook::{self, Runbook};
use crate::journal::lock;
use crate::journal::{self, FILE_NAME};

/// `<root>/<stem>-YYYYMMDD-HHMMSS[-n]`: the sort key of a session's name
/// (start time, then the uniqueness suffix), or `None` for other entries.
fn stamp_of(name: &str, stem: Option<&str>) -> Option<(String, u32)> {
    let rest = match stem {
        Some(stem) => name.strip_prefix(stem)?.strip_prefix('-')?,
        None => name,
    };
    // The stamp is the last 15 characters, or the 15 before a `-n` suffix.
    let (body, n) = match rest.rsplit_once('-') {
        Some((b, n)) if n.len() <= 3 && n.bytes().all(|c| c.is_ascii_digit()) && b.len() >= 15 => {
            (b, n.parse().ok()?)
        }
        _ => (rest, 1),
    };
    let stamp = body.get(body.len().checked_sub(15)?..)?;
    let ok = stamp.len() == 15
        && stamp.bytes().enumerate().all(|(i, c)| match i {
            8 => c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !ok || (stem.is_some() && body.len() != 15) {
        return None;
    }
    if stem.is_none() && body.len() > 15 && !body[..body.len() - 15].ends_with('-') {
        return None;
    }
    Some((stamp.to_string(), n))
}

/// Session directories under `root` (of one runbook stem, if given), newest
/// first.
pub fn sessions(root: &Path, stem: Option<&str>) -> Vec<PathBuf> {
    sessions_under(&[root], stem)
}

/// Session directories under any of `roots`, newest first by start time.
fn sessions_under(roots: &[&Path], stem: Option<&str>) -> Vec<PathBuf> {
    let mut found: Vec<((String, u32), PathBuf)> = roots
        .iter()
        .filter_map(|root| std::fs::read_dir(root).ok())
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let key = stamp_of(&name, stem)?;
            let dir = e.path();
            dir.join(FILE_NAME).is_file().then_some((key, dir))
        })
        .collect();
    found.sort();
    found.into_iter().rev().map(|(_, d)| d).collect()
}

/// How a session ended, read from its last line only (cheap for old,
/// long sessions).
pub fn ended(dir: &Path) -> Option<Outcome> {
    let mut f = std::fs::File::open(dir.join(FILE_NAME)).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(4096))).ok()?;
    let mut tail = String::new();
    f.read_to_string(&mut tail).ok()?;
    let last = tail.lines().rev().find(|l| !l.trim().is_empty())?;
    match serde_json::from_str::<Record>(last).ok()?.event {
        Event::SessionEnded { outcome } => Some(outcome),
        _ => None,
    }
}

/// The newest session of this runbook that was not ended by a quit. An
/// empty journal is a session whose screen never opened: nothing to resume.
pub fn newest_unfinished(root: &Path, stem: &str) -> Option<PathBuf> {
    sessions(root, Some(stem)).into_iter().find(|d| {
        let len = std::fs::metadata(d.join(FILE_NAME)).map_or(0, |m| m.len());
        len > 0 && ended(d).is_none()
    })
}

/// Which session a `watch`/`report` PATH names: a session directory, a
/// journal, or a root (its newest session; with `live`, the newest one a
/// `run` holds, else the newest).
pub fn resolve(path: &Path, live: bool) -> Result<PathBuf, String> {
    if path.is_file() {
        return Ok(path.parent().unwrap_or(Path::new(".")).to_path_buf());
    }
    if path.join(FILE_NAME).is_file() {
        return Ok(path.to_path_buf());
    }
    if !path.is_dir() {
        return Err(format!(
            "{}: no such session directory, journal or session root",
            path.display()
        ));
    }
    pick(&sessions(path, None), live)
        .ok_or_else(|| format!("{}: no sessions in this directory", path.display()))
}

/// The session `watch`/`report` mean with no PATH: the newest under the
/// default root or its demo root (with `live`, one a `run` holds first), so
/// the demo's session is found right after the demo.
/// [`resolve`] on a PATH argument, [`resolve_default`] without one.
pub fn resolve_arg(path: Option<&Path>, live: bool) -> Result<PathBuf, String> {
    match path {
        Some(p) => resolve(p, live),
        None => resolve_default(live),
    }
}

pub fn resolve_default(live: bool) -> Result<PathBuf, String> {
    let root = journal::default_root()
        .ok_or("no session root: give a PATH (neither XDG_STATE_HOME nor HOME is set)")?;
    let demo = journal::demo_root(&root);
    pick(&sessions_under(&[&root, &demo], None), live).ok_or_else(|| {
        format!(
            "no sessions under {} or {}: give a PATH",
            root.display(),
            demo.display()
        )
    })
}

fn pick(all: &[PathBuf], live: bool) -> Option<PathBuf> {
    let held = live
        .then(|| all.iter().find(|d| lock::holder(d).is_some()))
        .flatten();
    held.or(all.first()).cloned()
}

pub fn runbook_copy(dir: &Path, hash: &str) -> PathBuf {
    dir.join(format!("runbook-{hash}.md"))
}

/// Keeps the runbook as this session saw it (once per content hash).
pub fn save_runbook(dir: &Path, hash: &str, text: &str) -> std::io::Result<()> {
    let path = runbook_copy(dir, hash);
    if path.exists() {
        return Ok(());
    }
    std::fs::write(path, text)
}

pub fn load_plan(dir: &Path, hash: &str) -> Result<Plan, String> {
    let path = runbook_copy(dir, hash);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (text, rb) = runbook::parse_bytes(&bytes);
    Ok(Plan::new(rb, &text))
}

/// The runbook hash the journal's last records use.
pub fn last_hash(records: &[Record]) -> Option<&str> {
    records.iter().rev().find_map(|r| match &r.event {
        Event::SessionStarted { runbook_hash, .. } | Event::Resumed { runbook_hash } => {
            Some(runbook_hash.as_str())
        }
        _ => None,
    })
}

/// An item's identity across edits of the runbook: its section's title path
/// and its own text (indexes shift when lines are added).
fn item_key(rb: &Runbook, i: usize) -> Option<String> {
    let item = rb.items.get(i)?;
    Some(format!(
        "{}\u{1f}{}",
        section_path(rb, item.section),
        item.text
    ))
}

fn section_path(rb: &Runbook, mut s: Option<usize>) -> String {
    let mut parts = Vec::new();
    while let Some(i) = s {
        let Some(sec) = rb.sections.get(i) else { break };
        parts.push(sec.title.as_str());
        s = sec.parent;
    }
    parts.reverse();
    parts.join(" › ")
}

fn target_key(rb: &Runbook, t: Target) -> Option<String> {
    match t {
        Target::Item(i) => item_key(rb, i),
        Target::Step(s) => Some(format!("§{}", section_path(rb, Some(s)))),
    }
}

/// Rewrites records made under older versions of the runbook so their
/// targets and criteria point into `plan` (matched by section and text).
/// Records that no longer match are left out, each with a warning; the
/// journal itself is never rewritten.
pub fn remap(dir: &Path, records: Vec<Record>, plan: &Plan) -> (Vec<Record>, Vec<String>) {
    let new = &plan.runbook;
    let targets: HashMap<String, Target> = (0..new.items.len())
        .map(Target::Item)
        .chain((0..new.sections.len()).map(Target::Step))
        .filter_map(|t| Some((target_key(new, t)?, t)))
        .collect();
    let criteria: HashMap<&str, usize> = new
        .criteria
        .iter()
        .enumerate()
        .map(|(i, c)| (c.text.as_str(), i))
        .collect();
    let mut plans: HashMap<String, Option<Plan>> = HashMap::new();
    let mut current = plan.hash.clone();
    let mut warnings = Vec::new();
    let mut out = Vec::with_capacity(records.len());
    for mut r in records {
        if let Event::SessionStarted { runbook_hash, .. } | Event::Resumed { runbook_hash } =
            &r.event
        {
            current = runbook_hash.clone();
        }
        if current == plan.hash {
            out.push(r);
            continue;
        }
        let old = plans
            .entry(current.clone())
            .or_insert_with(|| load_plan(dir, &current).ok());
        let Some(old) = old else {
            warnings.push(format!(
                "seq {}: no copy of runbook {current}: kept by position",
                r.seq
            ));
            out.push(r);
            continue;
        };
        let rb = &old.runbook;
        let map_target = |t: &mut Target| -> Result<(), String> {
            let key = target_key(rb, *t).ok_or("not in its own runbook")?;
            *t = *targets.get(&key).ok_or_else(|| {
                format!(
                    "\"{}\" is not in the changed runbook",
                    key.replace('\u{1f}', " › ")
                )
            })?;
            Ok(())
        };
        let mapped = match &mut r.event {
            Event::Ticked { target }
            | Event::Unticked { target }
            | Event::NotApplicable { target, .. } => map_target(target),
            Event::Noted { target, .. } => target.as_mut().map_or(Ok(()), map_target),
            Event::CriterionToggled { criterion } => rb
                .criteria
                .get(*criterion)
                .and_then(|c| criteria.get(c.text.as_str()))
                .map(|&i| *criterion = i)
                .ok_or_else(|| "criterion not in the changed runbook".to_string()),
            Event::CommandStarted { target, .. } => target.as_mut().map_or(Ok(()), map_target),
            // The resumed cockpit journals the rule anew; the rows the old
            // runbook named and the new one lacks are gone.
            Event::TwoPersonRule { targets } => {
                targets.retain_mut(|t| map_target(t).is_ok());
                Ok(())
            }
            Event::EscalationContacted { step } => rb
                .escalation
                .get(*step)
                .and_then(|e| new.escalation.iter().position(|n| n.text == e.text))
                .map(|i| *step = i)
                .ok_or_else(|| "escalation step not in the changed runbook".to_string()),
            // Run ids, values and rollback steps do not depend on the
            // runbook's shape (a rollback step is kept by its title).
            Event::CommandExited { .. }
            | Event::OutputMarks { .. }
            | Event::CommandSpawned { .. }
            | Event::CommandInterrupted { .. }
            | Event::VariableSet { .. }
            | Event::RollbackStarted { .. }
            | Event::RollbackChoice { .. }
            | Event::RollbackStep { .. }
            | Event::RollbackFinished { .. }
            | Event::AutoRollbackCancelled { .. }
            | Event::AnnouncementSent { .. }
            | Event::LogStreamConfigured { .. }
            | Event::LogCounts { .. }
            | Event::LogStreamExited { .. }
            | Event::CopilotJoined { .. }
            | Event::CopilotRefused { .. }
            | Event::CopilotLeft { .. }
            | Event::RollbackRequested {}
            | Event::EmergencyDeclared {}
            | Event::EmergencyApproved {}
            | Event::DemoClock(_) => Ok(()),
            Event::SessionStarted { .. }
            | Event::Resumed { .. }
            | Event::SessionEnded { .. }
            | Event::MonitorConfigured(_)
            | Event::Samples { .. }
            | Event::PrometheusReading { .. }
            | Event::BaselinePinned { .. }
            | Event::BaselineRequested { .. } => Ok(()),
        };
        match mapped {
            Ok(()) => out.push(r),
            Err(why) => warnings.push(format!("seq {}: {why}: left out", r.seq)),
        }
    }
    (out, warnings)
}

/// A session read back: its plan (the runbook copy its last records use),
/// the records mapped onto it, and notices (torn line, unmapped records).
pub struct Replayed {
    pub dir: PathBuf,
    pub journal: PathBuf,
    pub plan: Plan,
    pub loaded: journal::Loaded,
    pub records: Vec<Record>,
    pub notices: Vec<String>,
}

/// Reads a session directory with the plan from its own runbook copy.
pub fn open(dir: &Path) -> Result<Replayed, String> {
    let path = dir.join(FILE_NAME);
    let loaded = journal::load(&path).map_err(|e| e.to_string())?;
    let hash = last_hash(&loaded.records)
        .ok_or_else(|| format!("{}: no session_started record yet", path.display()))?
        .to_string();
    let plan = load_plan(dir, &hash)?;
    Ok(finish(dir, loaded, plan))
}

/// Maps a loaded journal onto `plan` and gathers the notices.
pub fn finish(dir: &Path, loaded: journal::Loaded, plan: Plan) -> Replayed {
    let path = dir.join(FILE_NAME);
    let mut notices = Vec::new();
    if let Some(t) = &loaded.torn {
        notices.push(t.notice(&path));
    }
    notices.extend(loaded.fragments.iter().map(|f| f.notice(&path)));
    let (records, warnings) = remap(dir, loaded.records.clone(), &plan);
    notices.extend(
        warnings
            .into_iter()
            .map(|w| format!("{}: {w}", path.display())),
    );
    Replayed {
        dir: dir.to_path_buf(),
        journal: path,
        plan,
        loaded,
        records,
        notices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_sort_by_their_start() {
        assert_eq!(
            stamp_of("terp-20250115-044100", Some("terp")),
            Some(("20250115-044100".into(), 1))
        );
        assert_eq!(
            stamp_of("terp-20250115-044100-2", Some("terp")),
            Some(("20250115-044100".into(), 2))
        );
        assert_eq!(stamp_of("terp-v2-20250115-044100", Some("terp")), None);
        assert_eq!(
            stamp_of("terp-v2-20250115-044100", None),
            Some(("20250115-044100".into(), 1))
        );
        assert_eq!(stamp_of("notes", None), None);
    }
}
