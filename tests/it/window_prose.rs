//! The maintenance window as teams write it in prose: GOV.UK's "Releases can
//! start from 9:30am and must be finished by 5pm, or 4pm on Fridays", read
//! from the corpus, through `check --json` and against the clock.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly by design

use crate::harness::corpus;

use assert_cmd::Command;
use chrono::{DateTime, Utc};
use rollout_cockpit::core::plan::Plan;
use rollout_cockpit::core::settings::Settings;
use rollout_cockpit::core::state::State;
use rollout_cockpit::core::update::announce;
use rollout_cockpit::core::window::Level;
use rollout_cockpit::core::window::Phase;
use rollout_cockpit::core::window::window_view;
use rollout_cockpit::domain::runbook::{self, Window};
use serde_json::{Value, json};

const GOVUK: &str = "real/01-govuk-deploying.md";

fn window_of(dir: &std::path::Path, rel: &str) -> Option<Window> {
    runbook::load(Some(&dir.join(rel)))
        .unwrap_or_else(|e| panic!("{e}"))
        .runbook
        .window
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn govuk_window_from_a_sentence_over_two_lines() {
    let dir = corpus::dir();
    let w = window_of(&dir, GOVUK).expect("a window");
    assert_eq!((w.start.as_str(), w.end.as_str()), ("09:30", "17:00"));
    assert_eq!(
        w.day_ends.get("Fri").map(String::as_str),
        Some("16:00"),
        "{w:?}"
    );
    assert_eq!(w.day_ends.len(), 1);
    // UK time is implied, not written: the runbook names no zone.
    assert_eq!(w.tz, None);
    assert!(w.preferred_days.is_empty(), "{:?}", w.preferred_days);
    assert_eq!(w.max_hours, None);
    assert_eq!(w.line, 45);
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn every_other_corpus_window_is_unchanged() {
    let dir = corpus::dir();
    let terp = [
        "terp/PRODUCTION_ROLLOUT.md",
        "terp/PRODUCTION_ROLLOUT.mojibake.md",
    ];
    for rel in terp {
        let w = window_of(&dir, rel).unwrap_or_else(|| panic!("{rel}: no window"));
        assert_eq!((w.start.as_str(), w.end.as_str()), ("22:00", "02:00"));
        assert_eq!(w.tz.as_deref(), Some("America/New_York"), "{rel}");
        assert_eq!(w.max_hours, Some(4), "{rel}");
        assert_eq!(w.preferred_days, ["Tue", "Wed", "Thu"], "{rel}");
        assert!(w.day_ends.is_empty(), "{rel}");
        assert_eq!(w.line, 28, "{rel}");
    }
    // Before prose was read, none of these had a window, and none states one.
    for rel in [
        "other/deployment-rollout-rollback.md",
        "real/03-labels-lab-rollback.md",
        "real/05-sdd-deployment-checklist.md",
        "real/07-updog-release-checklist.md",
        "terp/DEPLOYMENT-CHECKLIST.md",
        "terp/DEPLOYMENT-VERIFICATION-CHECKLIST.md",
        "terp/SEEDING_RUNBOOK.md",
        "terp/STAGING_DEPLOYMENT_RUNBOOK.md",
        "terp/STAGING_ROLLOUT.md",
        "terp/TERP_MONITORING_ROLLBACK_PLAN.md",
        "terp/THURSDAY_DEPLOYMENT_RUNBOOK.md",
    ] {
        assert_eq!(window_of(&dir, rel), None, "{rel}");
    }
}

fn check_json(path: &std::path::Path) -> Value {
    let out = Command::cargo_bin("rollout-cockpit")
        .expect("binary")
        .arg("check")
        .arg(path)
        .arg("--json")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn check_json_shows_day_ends_only_where_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("RUNBOOK.md");
    std::fs::write(
        &path,
        "# Deploy\n\n**Deploy hours:** Mon-Fri 09:30-17:00 Europe/London, Fridays until 4pm\n\n## Rollback\n\n1. Revert\n",
    )
    .unwrap();
    let w = &check_json(&path)["window"];
    assert_eq!(
        *w,
        json!({
            "start": "09:30",
            "end": "17:00",
            "tz": "Europe/London",
            "max_hours": null,
            "preferred_days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
            "day_ends": {"Fri": "16:00"},
            "line": 3
        })
    );
    let w = &check_json(&corpus::file(GOVUK))["window"];
    assert_eq!(w["day_ends"], json!({"Fri": "16:00"}));
    assert_eq!(w["tz"], Value::Null);
    let terp = &check_json(&corpus::file("terp/PRODUCTION_ROLLOUT.md"))["window"];
    assert!(terp.get("day_ends").is_none(), "{terp}");
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn check_prints_the_day_end_and_the_missing_zone() {
    let dir = corpus::dir();
    let out = Command::cargo_bin("rollout-cockpit")
        .expect("binary")
        .arg("check")
        .arg(dir.join(GOVUK))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "window       09:30-17:00 (Fri until 16:00), zone not stated (the cockpit counts in UTC)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(":45: warning: the maintenance window names no time zone"),
        "{stdout}"
    );
}

fn govuk_like() -> Window {
    Window {
        start: "09:30".into(),
        end: "17:00".into(),
        tz: Some("Europe/London".into()),
        max_hours: None,
        preferred_days: Vec::new(),
        day_ends: [("Fri".to_string(), "16:00".to_string())].into(),
        line: 45,
    }
}

#[test]
fn a_friday_window_ends_at_its_own_end() {
    // Fri 2025-01-17 15:00 GMT: an hour left, not two.
    let v = window_view(&govuk_like(), utc("2025-01-17T15:00:00Z"), None).unwrap();
    assert_eq!(v.text, "09:30-16:00 GMT, 1h00m left");
    assert_eq!(v.end, utc("2025-01-17T16:00:00Z"));
    // A Thursday keeps the usual end.
    let v = window_view(&govuk_like(), utc("2025-01-16T15:00:00Z"), None).unwrap();
    assert_eq!(v.text, "09:30-17:00 GMT, 2h00m left");
    // Still deploying at 16:20 on a Friday: past the end, red.
    let first = utc("2025-01-17T10:00:00Z");
    let v = window_view(&govuk_like(), utc("2025-01-17T16:20:00Z"), Some(first)).unwrap();
    assert!(matches!(v.phase, Phase::After { .. }), "{:?}", v.phase);
    assert_eq!(v.level, Level::Red);
    assert!(v.text.ends_with("ended 20m ago"), "{}", v.text);
    // In summer the same wall-clock hours are British Summer Time.
    let v = window_view(&govuk_like(), utc("2025-07-18T14:45:00Z"), None).unwrap();
    assert_eq!(v.text, "09:30-16:00 BST, 15m left");
    assert_eq!(v.level, Level::Amber);
}

#[test]
fn a_friday_announcement_names_fridays_end() {
    let text = "# Deploy\n\n**Deploy hours:** 09:30-17:00 Europe/London, Fridays until 4pm\n\n## Step 1: Announce Deployment\n\n```\nDeploying until [END TIME]\n```\n";
    let plan = Plan::new(runbook::parse(text), text);
    let settings = Settings::replay("alice".into(), "production".into(), "RUNBOOK.md".into());
    let at = |now: &str| {
        let state = State::new(plan.clone(), settings.clone(), utc(now));
        let b = state.runbook().announcements()[0];
        announce::fill(&state, b)
    };
    assert_eq!(at("2025-01-17T10:00:00Z"), "Deploying until 16:00 GMT");
    assert_eq!(at("2025-01-16T10:00:00Z"), "Deploying until 17:00 GMT");
    // The abbreviation in effect: a July Friday is British Summer Time.
    assert_eq!(at("2025-07-18T09:00:00Z"), "Deploying until 16:00 BST");
}
