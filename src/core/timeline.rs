//! `replay`'s model: a finished (or live) session's records, a cursor on
//! one of them, the decisions among them, and folds of the session kept
//! every [`EVERY`] records, so moving the cursor anywhere folds at most
//! that many records (a step of a 4-hour session must redraw within a
//! frame; a refold from the start would not). The state at the cursor is
//! [`Session::apply`] over `records[..=cursor]`, the very fold `run`,
//! `watch` and `report` make.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use crate::core::action::Action;
use crate::core::event::{Event, Record, Target};
use crate::core::screen::{Moment, Output, Pane, ReplayBar};
use crate::core::session::Session;
use crate::domain::exec::{Line, OutputBuffer, Stream};
use crate::domain::runbook::Runbook;

/// Records between two kept folds: a step folds at most this many.
pub const EVERY: usize = 500;

/// Play speeds, `+`/`-` move along them.
pub const SPEEDS: [u32; 3] = [1, 10, 60];

/// A command's log as read from its file: lines dropped before the kept
/// ones, and the kept ones.
#[derive(Debug, Clone, Default)]
pub struct Log {
    pub skipped: u64,
    pub lines: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Timeline {
    runbook: Runbook,
    records: Vec<Record>,
    /// Indices of the records that are decisions (see [`is_decision`]).
    decisions: Vec<usize>,
    /// `kept[i]` is the fold of `records[..i * EVERY]`.
    kept: Vec<Session>,
    /// The fold of `records[..=cursor]` (of none when there are none).
    folded: Session,
    cursor: usize,
    /// Index into [`SPEEDS`].
    speed: usize,
    playing: bool,
    /// While playing: the session time reached, between two records.
    played_to: Option<DateTime<Utc>>,
    logs: BTreeMap<u64, Log>,
    /// The journal marks how far running commands' logs had got
    /// (`OutputMarks`): without a mark yet, a running command had printed
    /// nothing. An older journal has none at all.
    marked: bool,
    /// What the output pane was last given: (newest run, its exit known,
    /// its output mark).
    shown: Option<(u64, bool, Option<u64>)>,
}

impl Timeline {
    /// Folds the records once, keeping a fold every [`EVERY`] records and
    /// noting the decisions; the cursor starts at the last record.
    pub fn new(runbook: &Runbook, records: Vec<Record>) -> Timeline {
        let mut fold = Session::new(runbook);
        let mut kept = Vec::with_capacity(records.len() / EVERY + 1);
        let mut decisions = Vec::new();
        for (i, r) in records.iter().enumerate() {
            if i % EVERY == 0 {
                kept.push(fold.clone());
            }
            let before = fold.health.transitions.last().cloned();
            fold.apply(r);
            if is_decision(&r.event) || fold.health.transitions.last() != before.as_ref() {
                decisions.push(i);
            }
        }
        if kept.is_empty() {
            kept.push(fold.clone());
        }
        let marked = records
            .iter()
            .any(|r| matches!(r.event, crate::core::event::Event::OutputMarks { .. }));
        Timeline {
            runbook: runbook.clone(),
            cursor: records.len().saturating_sub(1),
            records,
            decisions,
            kept,
            folded: fold,
            speed: 0,
            playing: false,
            played_to: None,
            marked,
            logs: BTreeMap::new(),
            shown: None,
        }
    }

    /// The commands' logs, by run: what the output pane shows.
    pub fn with_logs(mut self, logs: BTreeMap<u64, Log>) -> Timeline {
        self.logs = logs;
        self
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    pub fn decisions(&self) -> &[usize] {
        &self.decisions
    }

    /// The session as it was at the cursor.
    pub fn session(&self) -> &Session {
        &self.folded
    }

    pub fn playing(&self) -> bool {
        self.playing
    }

    pub fn speed(&self) -> u32 {
        SPEEDS[self.speed]
    }

    /// Moves the cursor to record `k` (clamped): folds forward from the
    /// cursor when `k` is ahead within [`EVERY`], else from the nearest
    /// kept fold at or before `k`.
    pub fn seek(&mut self, k: usize) {
        let Some(last) = self.records.len().checked_sub(1) else {
            return;
        };
        let k = k.min(last);
        if k == self.cursor {
            return;
        }
        let from = if k > self.cursor && k - self.cursor <= EVERY {
            self.cursor + 1
        } else {
            let i = (k / EVERY).min(self.kept.len() - 1);
            self.folded.clone_from(&self.kept[i]);
            i * EVERY
        };
        for r in &self.records[from..=k] {
            self.folded.apply(r);
        }
        self.cursor = k;
    }

    /// `→` / `←`: one record.
    pub fn step(&mut self, forward: bool) {
        let k = if forward {
            self.cursor + 1
        } else {
            self.cursor.saturating_sub(1)
        };
        self.seek(k);
    }

    /// `]` / `[`: the next or previous decision; none left, the end or
    /// the start.
    pub fn decision(&mut self, forward: bool) {
        let k = if forward {
            let i = self.decisions.partition_point(|&d| d <= self.cursor);
            self.decisions.get(i).copied().unwrap_or(usize::MAX)
        } else {
            let i = self.decisions.partition_point(|&d| d < self.cursor);
            i.checked_sub(1).map_or(0, |i| self.decisions[i])
        };
        self.seek(k);
    }

    /// `space`: play from the cursor (from the start once at the end), or
    /// pause.
    pub fn toggle_play(&mut self) {
        self.playing = !self.playing;
        if self.playing && self.cursor + 1 >= self.records.len() {
            self.seek(0);
        }
        self.played_to = self.records.get(self.cursor).map(|r| r.ts);
    }

    /// `+` / `-`.
    pub fn faster(&mut self, up: bool) {
        self.speed = if up {
            (self.speed + 1).min(SPEEDS.len() - 1)
        } else {
            self.speed.saturating_sub(1)
        };
    }

    /// While playing, `elapsed` wall time has passed: the session time
    /// moves `speed` times as far and the cursor to the last record at or
    /// before it; at the end, play stops.
    pub fn advance(&mut self, elapsed: std::time::Duration) {
        if !self.playing {
            return;
        }
        let Some(at) = self.played_to else {
            self.playing = false;
            return;
        };
        let moved = TimeDelta::from_std(elapsed * self.speed()).unwrap_or(TimeDelta::MAX);
        let to = at.checked_add_signed(moved).unwrap_or(at);
        self.played_to = Some(to);
        let end = self.cursor + self.records[self.cursor..].partition_point(|r| r.ts <= to);
        self.seek(end.saturating_sub(1).max(self.cursor));
        if self.cursor + 1 >= self.records.len() {
            self.playing = false;
        }
    }

    /// [`Timeline::moment`] as the action that shows it.
    pub fn shown(&mut self, shown: Option<u64>, follow: bool) -> Action {
        Action::Replayed {
            moment: Box::new(self.moment(shown)),
            follow,
        }
    }

    /// The moment at the cursor, for `update` to show
    /// ([`Action::Replayed`](crate::core::action::Action::Replayed)):
    /// the session, the time, the bar, the row the record is about, and
    /// the output pane when it changes (`shown`: the run the state's pane
    /// shows now).
    pub fn moment(&mut self, shown: Option<u64>) -> Moment {
        let record = self.records.get(self.cursor);
        let newest = self
            .folded
            .runs
            .list
            .last()
            .map(|r| (r.run, r.exit.is_some(), r.output_lines));
        let output =
            (newest != self.shown || shown != newest.map(|(run, ..)| run)).then(|| self.output());
        self.shown = newest;
        let about = record.and_then(|r| match &r.event {
            Event::Ticked { target }
            | Event::Unticked { target }
            | Event::NotApplicable { target, .. } => Some(*target),
            Event::Noted { target, .. } => *target,
            Event::CommandStarted { run, .. } | Event::CommandExited { run, .. } => {
                self.folded.runs.get(*run).and_then(|r| r.target)
            }
            _ => None,
        });
        Moment {
            session: self.folded.clone(),
            now: record.map(|r| r.ts),
            bar: ReplayBar {
                at: self.cursor + usize::from(record.is_some()),
                of: self.records.len(),
                when: record.map(|r| r.ts),
                what: record.map_or_else(|| "no records".into(), |r| what(&self.runbook, r)),
                speed: self.speed(),
                playing: self.playing,
                output_as_of_end: self.folded.runs.list.last().is_some_and(|r| {
                    r.exit.is_none()
                        && !r.terminal
                        && !self.marked
                        && self.logs.contains_key(&r.run)
                }),
            },
            about,
            output,
        }
    }

    /// The output pane at the cursor: the newest command's log, and the
    /// ones before it the live pane keeps. An ended command's log is
    /// complete (the runner closes it before its exit is journaled); a
    /// running one's is cut where the newest `OutputMarks` says its log had
    /// got, so nothing later shows. Without a mark (a journal older than
    /// them) it is the whole log, as of the end, and the pane says so.
    fn output(&self) -> Output {
        let runs = &self.folded.runs.list;
        let pane = |run: u64| {
            let mut b = OutputBuffer::default();
            let upto = runs
                .iter()
                .rev()
                .find(|r| r.run == run)
                .filter(|r| r.exit.is_none())
                .and_then(|r| r.output_lines.or(self.marked.then_some(0)));
            if let Some(log) = self.logs.get(&run) {
                let kept = upto.map_or(log.lines.len(), |n| {
                    usize::try_from(n.saturating_sub(log.skipped))
                        .unwrap_or(usize::MAX)
                        .min(log.lines.len())
                });
                b.extend(
                    log.skipped.min(upto.unwrap_or(u64::MAX)),
                    log.lines[..kept]
                        .iter()
                        .map(|l| Line::new(Stream::Stdout, l.clone())),
                );
            }
            Pane(b)
        };
        let keep = crate::core::update::pane::KEEP;
        let n = runs.len();
        Output {
            shown: runs.last().map(|r| r.run),
            pane: runs.last().map_or_else(Pane::default, |r| pane(r.run)),
            earlier: runs[n.saturating_sub(keep + 1)..n.saturating_sub(1)]
                .iter()
                .map(|r| (r.run, pane(r.run)))
                .collect(),
            anchor: runs.last().and_then(|r| r.target),
        }
    }
}

/// The records `[` and `]` stop at (besides a criterion's change, which the
/// fold derives): what someone or something decided.
fn is_decision(e: &Event) -> bool {
    matches!(
        e,
        Event::Ticked { .. }
            | Event::Unticked { .. }
            | Event::NotApplicable { .. }
            | Event::CommandStarted { .. }
            | Event::CommandExited { .. }
            | Event::CriterionToggled { .. }
            | Event::RollbackStarted { .. }
            | Event::RollbackChoice { .. }
            | Event::RollbackStep { .. }
            | Event::RollbackFinished { .. }
            | Event::AutoRollbackCancelled { .. }
            | Event::EmergencyApproved {}
            | Event::RollbackRequested {}
            | Event::SessionEnded { .. }
    )
}

/// What a record is, in a few words, for the timeline bar.
pub fn what(runbook: &Runbook, r: &Record) -> String {
    let row = |t: &Target| match t {
        Target::Item(i) => runbook.items.get(*i).map_or("?", |x| x.text.as_str()),
        Target::Step(s) => runbook.sections.get(*s).map_or("?", |x| x.title.as_str()),
    };
    match &r.event {
        Event::Ticked { target } => format!("{} ticked {}", r.by, row(target)),
        Event::Unticked { target } => format!("{} unticked {}", r.by, row(target)),
        Event::NotApplicable { target, .. } => format!("{} marked n/a: {}", r.by, row(target)),
        Event::Noted { .. } => format!("{} noted", r.by),
        Event::CommandStarted { run, .. } => format!("command #{run} started"),
        Event::CommandExited { run, code, .. } => match code {
            Some(c) => format!("command #{run} exited {c}"),
            None => format!("command #{run} ended"),
        },
        Event::Samples { samples } => format!("{} probe samples", samples.len()),
        Event::OutputMarks { marks } => {
            let each: Vec<String> = marks
                .iter()
                .map(|m| {
                    format!(
                        "#{} {}",
                        m.run,
                        crate::domain::words::count(m.lines as usize, "line")
                    )
                })
                .collect();
            format!("output so far: {}", each.join(", "))
        }
        Event::RollbackStarted { .. } => format!("{} started the rollback", r.by),
        Event::RollbackFinished { .. } => "rollback finished".into(),
        Event::RollbackRequested {} => format!("{} asked for the rollback", r.by),
        Event::EmergencyApproved {} => format!("{} approved the emergency deployment", r.by),
        Event::SessionEnded { outcome } => format!("session ended: {}", outcome.text()),
        other => serde_json::to_value(other)
            .ok()
            .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_string))
            .unwrap_or_else(|| "record".into())
            .replace('_', " "),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::core::event::Event;
    use crate::domain::monitor::{Outcome as Probe, ProbeSample, Sample};

    fn runbook() -> Runbook {
        crate::domain::runbook::load(None).unwrap().runbook
    }

    /// A session of samples with ticks and a command among them.
    fn records(n: usize, items: usize) -> Vec<Record> {
        let t0 = DateTime::parse_from_rfc3339("2025-01-15T03:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        (0..n)
            .map(|i| {
                let ts = t0 + TimeDelta::seconds(i as i64);
                let event = match i {
                    0 => Event::MonitorConfigured(crate::domain::monitor::MonitorConfig::for_urls(
                        vec!["http://x/health".into()],
                    )),
                    i if i % 97 == 0 => Event::Ticked {
                        target: Target::Item(i % items),
                    },
                    i if i % 301 == 0 => Event::CommandStarted {
                        run: i as u64,
                        target: None,
                        block: 0,
                        command_masked: "true".into(),
                        log: format!("logs/run-{i}.log"),
                        rollback_step: None,
                        terminal: false,
                    },
                    _ => Event::Samples {
                        samples: vec![ProbeSample {
                            sample: Sample {
                                ts,
                                url: "http://x/health".into(),
                                latency_ms: 40.0 + (i % 7) as f64,
                                outcome: if i % 50 < 10 {
                                    Probe::HttpStatus(503)
                                } else {
                                    Probe::Ok
                                },
                            },
                            details: None,
                        }],
                    },
                };
                Record {
                    seq: i as u64 + 1,
                    ts,
                    by: "alice".into(),
                    event,
                }
            })
            .collect()
    }

    fn full_fold(rb: &Runbook, records: &[Record]) -> Session {
        let mut s = Session::new(rb);
        for r in records {
            s.apply(r);
        }
        s
    }

    #[test]
    fn the_session_at_any_cursor_is_the_fold_up_to_it() {
        let rb = runbook();
        let recs = records(2 * EVERY + 137, rb.items.len());
        let mut t = Timeline::new(&rb, recs.clone());
        assert_eq!(t.session(), &full_fold(&rb, &recs));
        // Backwards across kept folds, forwards within and beyond EVERY.
        let mut rng = 0x2545_f491_u64;
        for _ in 0..40 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let k = (rng % recs.len() as u64) as usize;
            t.seek(k);
            assert_eq!(t.cursor(), k);
            assert_eq!(t.session(), &full_fold(&rb, &recs[..=k]), "at {k}");
        }
        for k in [0, EVERY - 1, EVERY, EVERY + 1, recs.len() - 1] {
            t.seek(k);
            assert_eq!(t.session(), &full_fold(&rb, &recs[..=k]), "at {k}");
        }
    }

    #[test]
    fn decisions_are_the_ticks_commands_and_criterion_changes() {
        let rb = runbook();
        let recs = records(1200, rb.items.len());
        let t = Timeline::new(&rb, recs.clone());
        for &d in t.decisions() {
            let e = &recs[d].event;
            if !is_decision(e) {
                // A sample that moved a criterion.
                let before = full_fold(&rb, &recs[..d]).health.transitions.len();
                let after = full_fold(&rb, &recs[..=d]).health.transitions.len();
                assert_ne!(before, after, "record {d} is no decision");
            }
        }
        assert!(t.decisions().contains(&97) && t.decisions().contains(&301));
        let criteria = t
            .decisions()
            .iter()
            .filter(|&&d| matches!(recs[d].event, Event::Samples { .. }))
            .count();
        assert!(criteria > 0, "no criterion changed in the scripted samples");
    }

    #[test]
    fn brackets_walk_the_decisions_and_stop_at_the_ends() {
        let rb = runbook();
        let recs = records(700, rb.items.len());
        let mut t = Timeline::new(&rb, recs);
        t.seek(0);
        let mut seen = Vec::new();
        loop {
            let at = t.cursor();
            t.decision(true);
            if t.cursor() == at || t.cursor() == t.len() - 1 {
                break;
            }
            seen.push(t.cursor());
        }
        let inner: Vec<usize> = t
            .decisions()
            .iter()
            .copied()
            .filter(|&d| d > 0 && d < t.len() - 1)
            .collect();
        assert_eq!(seen, inner);
        t.decision(false);
        assert_eq!(t.cursor(), *inner.last().unwrap());
        t.seek(0);
        t.decision(false);
        assert_eq!(t.cursor(), 0);
    }

    #[test]
    fn playing_moves_by_session_time_times_the_speed_and_stops_at_the_end() {
        let rb = runbook();
        let recs = records(200, rb.items.len());
        let mut t = Timeline::new(&rb, recs);
        t.seek(10);
        t.toggle_play();
        t.advance(std::time::Duration::from_millis(2500));
        assert_eq!(t.cursor(), 12, "1x: 2.5 s later, two records on");
        t.faster(true);
        assert_eq!(t.speed(), 10);
        t.advance(std::time::Duration::from_secs(3));
        assert_eq!(t.cursor(), 42);
        t.faster(true);
        t.faster(true);
        assert_eq!(t.speed(), 60);
        t.advance(std::time::Duration::from_secs(60));
        assert_eq!(t.cursor(), 199);
        assert!(!t.playing(), "the end stops play");
    }
}
