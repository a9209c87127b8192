//! The journal promise, without a terminal: random action sequences written
//! through the real journal and read back give the same state; the report of
//! a scripted session (snapshot); damage is refused by line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::harness::cockpit::{
    self, Session, monitor_config, now, plan, probe_batch, terp, terp_started,
};
use chrono::Duration;
use proptest::prelude::*;
use rollout_cockpit::core::action::Cmd;
use rollout_cockpit::core::event::{Event, Outcome, Record, Target};
use rollout_cockpit::core::state::State;
use rollout_cockpit::journal::sessions as session;
use rollout_cockpit::journal::{self, Journal};
use rollout_cockpit::report;

#[derive(Debug, Clone)]
enum Step {
    Cmd(Cmd),
    Text(String),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => prop_oneof![
            Just(Cmd::Down),
            Just(Cmd::Up),
            Just(Cmd::PageDown),
            Just(Cmd::NextSection),
            Just(Cmd::Collapse),
            Just(Cmd::Expand),
        ]
        .prop_map(Step::Cmd),
        4 => Just(Step::Cmd(Cmd::Tick)),
        1 => Just(Step::Cmd(Cmd::NotApplicable)),
        1 => Just(Step::Cmd(Cmd::Note)),
        2 => Just(Step::Cmd(Cmd::Submit)),
        1 => Just(Step::Cmd(Cmd::Cancel)),
        1 => Just(Step::Cmd(Cmd::Quit)),
        1 => Just(Step::Cmd(Cmd::Confirm)),
        2 => "[a-z \"|\\\\é]{0,12}".prop_map(Step::Text),
    ]
}

/// Writes records through the real journal (same `ts` and `by`) and reads
/// the file back.
fn through_disk(records: &[Record]) -> Vec<Record> {
    let dir = tempfile::tempdir().unwrap();
    let mut j = Journal::create(dir.path()).unwrap();
    for r in records {
        let back = j.append(&r.by, r.ts, r.event.clone()).unwrap();
        assert_eq!(&back, r);
    }
    let loaded = journal::load(j.path()).unwrap();
    assert!(loaded.torn.is_none());
    loaded.records
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn replaying_the_written_journal_gives_the_same_state(steps in prop::collection::vec(step(), 0..120)) {
        let mut s = Session::new(terp());
        s.record(Event::SessionStarted {
            runbook: "terp".into(),
            runbook_hash: s.state.plan.hash.clone(),
            environment: "production".into(),
        });
        for st in steps {
            if s.quit {
                break;
            }
            match st {
                Step::Cmd(c) => s.cmd(c),
                Step::Text(t) => s.type_text(&t),
            }
        }
        let records = through_disk(&s.records);
        let replayed = State::replay(plan(), cockpit::settings(), now(), &records);
        prop_assert_eq!(&replayed.session, &s.state.session);
    }
}

fn at(minutes: i64) -> chrono::DateTime<chrono::Utc> {
    // 22:05 EST on Tuesday 2025-01-14, inside the TERP window.
    now() - Duration::minutes(96) + Duration::minutes(minutes)
}

fn scripted(dir: &std::path::Path, outcome: Outcome) {
    let loaded = rollout_cockpit::domain::runbook::load(None).unwrap();
    let p = plan();
    session::save_runbook(dir, &p.hash, &loaded.text).unwrap();
    let mut j = Journal::create(dir).unwrap();
    let find = |text: &str| {
        p.runbook
            .items
            .iter()
            .position(|i| i.text.contains(text))
            .map(Target::Item)
            .unwrap()
    };
    let events = [
        (0, "alice", terp_started(&p)),
        (
            2,
            "alice",
            Event::Ticked {
                target: find("Changes deployed to staging"),
            },
        ),
        (
            3,
            "alice",
            Event::NotApplicable {
                target: find("Database admin approval"),
                reason: "no schema change | this release".into(),
            },
        ),
        (
            5,
            "alice",
            Event::Noted {
                target: Some(find("Verify backup integrity")),
                text: "checksum matches".into(),
            },
        ),
        (
            9,
            "bob",
            Event::Resumed {
                runbook_hash: p.hash.clone(),
            },
        ),
        (
            10,
            "bob",
            Event::Ticked {
                target: find("Verify backup integrity"),
            },
        ),
        (
            14,
            "bob",
            Event::Noted {
                target: None,
                text: "rolling back: error rate".into(),
            },
        ),
        (25, "bob", Event::SessionEnded { outcome }),
    ];
    // The service as the prober saw it: healthy from minute 11, one failed
    // probe in three from minute 12 (the criterion fires 10 s later), and
    // healthy again from minute 21 (it resolves once the window clears).
    let probes = |from: i64, secs: i64, fail_every: i64| probe_batch(at(from), secs, fail_every);
    let monitor = [
        (11, Event::MonitorConfigured(monitor_config())),
        (11, probes(11, 30, 0)),
        (11, crate::harness::cockpit::operator_pin(0.0)),
        (12, probes(12, 60, 3)),
        (21, probes(21, 90, 0)),
    ];
    let mut all: Vec<(i64, &str, Event)> = events.into_iter().collect();
    all.extend(monitor.into_iter().map(|(m, e)| (m, "bob", e)));
    all.sort_by_key(|e| e.0);
    for (m, by, ev) in all {
        j.append(by, at(m), ev).unwrap();
    }
}

#[test]
fn the_report_of_a_rolled_back_session() {
    let dir = tempfile::tempdir().unwrap();
    scripted(dir.path(), Outcome::RolledBack);
    let text = report::for_session(dir.path()).unwrap();
    insta::assert_snapshot!(text);
}

/// The report's header facts are the session fold's own: `Session::apply`
/// keeps them, the report keeps no second fold.
#[test]
fn the_session_fold_holds_the_reports_facts() {
    let dir = tempfile::tempdir().unwrap();
    scripted(dir.path(), Outcome::RolledBack);
    let replayed = session::open(dir.path()).unwrap();
    let s = State::replay(replayed.plan, cockpit::settings(), now(), &replayed.records).session;
    assert_eq!(
        s.runbook_name.as_deref(),
        Some("terp-production-rollout.md")
    );
    assert_eq!(s.environment.as_deref(), Some("production"));
    assert_eq!(s.operators, ["alice", "bob"]);
    assert_eq!(
        s.started.map(|st| (st.by, st.at)),
        Some(("alice".into(), at(0)))
    );
    assert_eq!(
        s.resumed.iter().map(|st| st.at).collect::<Vec<_>>(),
        [at(9)]
    );
    assert_eq!(
        s.ended.map(|(st, o)| (st.by, st.at, o)),
        Some(("bob".into(), at(25), Outcome::RolledBack))
    );
    assert_eq!(s.last_at, Some(at(25)));
}

#[test]
fn the_report_command_prints_and_saves_report_md() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("terp-production-rollout-20250114-220500");
    std::fs::create_dir(&s).unwrap();
    scripted(&s, Outcome::Completed);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-cockpit"))
        .arg("report")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("| Outcome | **completed** |"), "{stdout}");
    assert!(!stdout.contains("Incident report"));
    assert_eq!(
        std::fs::read_to_string(s.join("report.md")).unwrap(),
        stdout
    );
    let file = dir.path().join("out.md");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-cockpit"))
        .arg("report")
        .arg(s.join("journal.jsonl"))
        .arg("-o")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout);
    // Damage is refused by line, exit 2.
    let j = s.join("journal.jsonl");
    let text = std::fs::read_to_string(&j).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[3] = "{\"seq\":4,\"ts\":";
    std::fs::write(&j, lines.join("\n") + "\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-cockpit"))
        .arg("report")
        .arg(&s)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("journal.jsonl:4: not a journal record"),
        "{err}"
    );
}

/// Right after a demo, `report` with no PATH finds the demo's session
/// (kept under the state root's `demo/`), and a newer real session wins
/// over an older rehearsal. The report is current once written.
#[test]
fn report_with_no_path_finds_the_demos_session() {
    let state = tempfile::tempdir().unwrap();
    let root = state.path().join("rollout-cockpit");
    let real = root.join("terp-production-rollout-20250114-220500");
    let demo = journal::demo_root(&root).join("PRODUCTION_ROLLOUT-20250115-090000");
    for (dir, outcome) in [(&real, Outcome::Completed), (&demo, Outcome::RolledBack)] {
        std::fs::create_dir_all(dir).unwrap();
        scripted(dir, outcome);
    }
    let report = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_rollout-cockpit"))
            .arg("report")
            .env("XDG_STATE_HOME", state.path())
            .output()
            .unwrap()
    };
    let out = report();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("| Outcome | **rolled back** |"), "{stdout}");
    assert!(report::is_current(&demo));
    assert!(!report::is_current(&real), "never written");
    // A later real session is the newest.
    let later = root.join("terp-production-rollout-20250116-080000");
    std::fs::create_dir_all(&later).unwrap();
    scripted(&later, Outcome::Completed);
    let stdout = String::from_utf8(report().stdout).unwrap();
    assert!(stdout.contains("| Outcome | **completed** |"), "{stdout}");
    // A journal that moved on makes the saved record stale.
    let written = std::fs::metadata(demo.join("report.md"))
        .unwrap()
        .modified()
        .unwrap();
    std::fs::File::options()
        .append(true)
        .open(demo.join("journal.jsonl"))
        .unwrap()
        .set_modified(written + std::time::Duration::from_secs(1))
        .unwrap();
    assert!(!report::is_current(&demo));
}

#[test]
fn a_changed_runbook_maps_ticks_by_section_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let old_text = "# Plan\n\n## Checks\n\n- [ ] alpha\n- [ ] beta\n";
    let new_text = "# Plan\n\n## Intro\n\n- [ ] new first\n\n## Checks\n\n- [ ] zeta\n- [ ] beta\n- [ ] alpha\n";
    let old = rollout_cockpit::core::plan::Plan::new(
        rollout_cockpit::domain::runbook::parse(old_text),
        old_text,
    );
    let new = rollout_cockpit::core::plan::Plan::new(
        rollout_cockpit::domain::runbook::parse(new_text),
        new_text,
    );
    session::save_runbook(dir.path(), &old.hash, old_text).unwrap();
    let mut j = Journal::create(dir.path()).unwrap();
    j.append(
        "a",
        at(0),
        Event::SessionStarted {
            runbook: "p".into(),
            runbook_hash: old.hash.clone(),
            environment: "staging".into(),
        },
    )
    .unwrap();
    j.append(
        "a",
        at(1),
        Event::Ticked {
            target: Target::Item(0),
        },
    )
    .unwrap();
    j.append(
        "a",
        at(2),
        Event::Ticked {
            target: Target::Item(1),
        },
    )
    .unwrap();
    let loaded = journal::load(j.path()).unwrap();
    let r = session::finish(dir.path(), loaded, new.clone());
    let s = State::replay(new.clone(), cockpit::settings(), now(), &r.records);
    let ticked: Vec<&str> = s
        .session
        .marks
        .keys()
        .map(|t| match t {
            Target::Item(i) => new.runbook.items[*i].text.as_str(),
            Target::Step(_) => "step",
        })
        .collect();
    assert_eq!(ticked, ["beta", "alpha"]);
    assert!(r.notices.is_empty(), "{:?}", r.notices);
}

/// What a full disk left in a journal written before appends were cut back:
/// a fragment of record 9, then record 9 itself on the same line. `report`
/// (and resume and `watch`, which read through the same loader) take the
/// session, and say where the fragment was.
#[test]
fn a_fragment_left_by_a_full_disk_is_reported_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("terp-production-rollout-20250114-220500");
    std::fs::create_dir(&s).unwrap();
    scripted(&s, Outcome::Completed);
    let j = s.join("journal.jsonl");
    let text = std::fs::read_to_string(&j).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let fragment: String = lines[8].chars().take(20).collect();
    lines[8] = format!("{fragment}{}", lines[8]);
    std::fs::write(&j, lines.join("\n") + "\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-cockpit"))
        .arg("report")
        .arg(&s)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("| Outcome | **completed** |"), "{stdout}");
    assert!(
        stdout.contains("journal.jsonl:9: 20 bytes of an unfinished write"),
        "{stdout}"
    );
    let replayed = session::open(&s).unwrap();
    assert_eq!(replayed.records.len(), lines.len());
    assert!(
        replayed.notices.iter().any(|n| n.contains(":9: 20 bytes")),
        "{:?}",
        replayed.notices
    );
}

/// A real full disk: a 64 KiB tmpfs (root only; skipped with a note
/// otherwise). The append that crosses the last free page is cut short by
/// the kernel; the journal is cut back to its last whole record, refuses
/// nothing once space returns, and loads whole.
#[test]
fn a_real_full_disk_leaves_the_journal_on_a_whole_record() {
    use std::io::Write;
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to this process's effective user.
    if std::fs::metadata("/proc/self").map_or(true, |m| m.uid() != 0) {
        eprintln!("not root: no tmpfs to fill, skipping the full-disk test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&disk)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("cannot mount a tmpfs here: skipping the full-disk test");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(disk.clone());
    let mut j = Journal::create(&disk).unwrap();
    let tick = |j: &mut Journal, i: usize| {
        j.append(
            "alice",
            now(),
            Event::Ticked {
                target: Target::Item(i),
            },
        )
    };
    tick(&mut j, 0).unwrap();
    // Everything but the journal's last page is taken.
    let mut filler = std::fs::File::create(disk.join("filler")).unwrap();
    while filler.write_all(&[0u8; 512]).is_ok() {}
    drop(filler);
    let mut acked = 1;
    let failed = (1..200).find(|&i| match tick(&mut j, i) {
        Ok(_) => {
            acked += 1;
            false
        }
        Err(_) => true,
    });
    assert!(failed.is_some(), "the disk never filled");
    let on_disk = std::fs::read_to_string(j.path()).unwrap();
    assert!(on_disk.ends_with('\n'), "a fragment was left: {on_disk:?}");
    assert_eq!(journal::load(j.path()).unwrap().records.len(), acked);
    // Space comes back: the next record follows on its own line.
    std::fs::remove_file(disk.join("filler")).unwrap();
    tick(&mut j, 500).unwrap();
    let loaded = journal::load(j.path()).unwrap();
    assert_eq!(loaded.records.len(), acked + 1);
    assert!(loaded.fragments.is_empty() && loaded.torn.is_none());
    eprintln!(
        "full disk after {acked} records: cut back, then record {} written",
        acked + 1
    );
}
