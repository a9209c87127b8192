//! Every real runbook in ../shared/runbooks loads with the counts a careful
//! reader finds in it. Each expectation below was tallied by hand from the
//! file, not copied from the parser's output.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly by design

use std::path::PathBuf;

use rollout_cockpit::runbook::{self, BlockKind, CriterionKind, Rule, Runbook};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/runbooks");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} is absent (the corpus lives beside the repository)",
            dir.display()
        );
        None
    }
}

fn load(rel: &str) -> Option<Runbook> {
    let path = corpus()?.join(rel);
    Some(
        runbook::load(Some(&path))
            .unwrap_or_else(|e| panic!("{e}"))
            .runbook,
    )
}

struct Expect {
    file: &'static str,
    items: usize,
    commands: usize,
    manual: usize,
    templates: usize,
    rollback: (usize, usize),
    criteria: &'static [(CriterionKind, Option<Rule>, Option<f64>, usize)],
    checkpoints: &'static [(u32, usize)],
    health: &'static [&'static str],
    placeholders: usize,
    vars: &'static [&'static str],
}

fn check(e: &Expect) {
    let Some(rb) = load(e.file) else { return };
    let count = |k| rb.blocks.iter().filter(|b| b.kind == k).count();
    assert_eq!(rb.items.len(), e.items, "{}: checklist items", e.file);
    assert_eq!(
        count(BlockKind::Command),
        e.commands,
        "{}: commands",
        e.file
    );
    assert_eq!(
        count(BlockKind::Manual),
        e.manual,
        "{}: manual blocks",
        e.file
    );
    assert_eq!(
        count(BlockKind::Template),
        e.templates,
        "{}: templates",
        e.file
    );
    let rollback = rb
        .rollback
        .as_ref()
        .map(|r| (r.steps.len(), r.command_count(&rb)));
    assert_eq!(
        rollback,
        Some(e.rollback),
        "{}: rollback steps/commands",
        e.file
    );
    let criteria: Vec<_> = rb
        .criteria
        .iter()
        .map(|c| (c.kind, c.rule, c.threshold, c.line))
        .collect();
    assert_eq!(criteria, e.criteria, "{}: criteria", e.file);
    let checkpoints: Vec<_> = rb
        .checkpoints
        .iter()
        .map(|c| (c.before_start_minutes, c.line))
        .collect();
    assert_eq!(checkpoints, e.checkpoints, "{}: checkpoints", e.file);
    assert_eq!(rb.health_urls, e.health, "{}: health URLs", e.file);
    assert_eq!(
        rb.placeholders.len(),
        e.placeholders,
        "{}: placeholders {:?}",
        e.file,
        rb.placeholders
    );
    let vars: Vec<_> = rb.env_vars.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(vars, e.vars, "{}: variables", e.file);
}

use CriterionKind::{ErrorRate, Latency, Manual};

const TERP_CRITERIA: &[(CriterionKind, Option<Rule>, Option<f64>, usize)] = &[
    (Manual, None, None, 150),
    (Manual, None, None, 151),
    (ErrorRate, Some(Rule::IncreasePoints), Some(5.0), 152),
    (Latency, Some(Rule::IncreasePercent), Some(50.0), 153),
    (Manual, None, None, 154),
];

const TERP: Expect = Expect {
    file: "terp/PRODUCTION_ROLLOUT.md",
    items: 65,
    commands: 7,
    manual: 0,
    templates: 2,
    rollback: (5, 2),
    criteria: TERP_CRITERIA,
    checkpoints: &[(1440, 39), (120, 47), (30, 57)],
    health: &["https://api.production.terp-app.local/health"],
    // [X], [START TIME], [END TIME], [deployer name], YYYYMMDD_HHMMSS,
    // [Brief description], [Investigation/Fix plan], 3 x TBD,
    // 3 x [Phone/Slack], 3 x [Contact details].
    placeholders: 16,
    vars: &[
        "PROD_DB_HOST",
        "DB_USER",
        "DB_PASSWORD",
        "ADMIN_TOKEN",
        "PRODUCTION_DATABASE_URL",
    ],
};

#[test]
fn production_rollout() {
    check(&TERP);
    let Some(rb) = load(TERP.file) else { return };
    assert_eq!(rb.title, "Production Rollout Plan");
    let w = rb.window.as_ref().expect("window");
    assert_eq!((w.start.as_str(), w.end.as_str()), ("22:00", "02:00"));
    assert_eq!(w.tz.as_deref(), Some("America/New_York"));
    assert_eq!(w.max_hours, Some(4));
    assert_eq!(w.preferred_days, ["Tue", "Wed", "Thu"]);
    let steps: Vec<_> = rb
        .sections
        .iter()
        .filter(|s| s.runnable)
        .map(|s| s.title.as_str())
        .collect();
    assert_eq!(
        steps,
        [
            "Step 2: Enable Maintenance Mode (if applicable)",
            "Step 3: Apply Database Migrations",
            "Step 4: Deploy Application",
            "Step 6: Disable Maintenance Mode"
        ]
    );
    // The mysqldump block belongs to the item that asks for it.
    let dump = rb
        .blocks
        .iter()
        .find(|b| b.code.contains("mysqldump"))
        .expect("dump block");
    let rollout_cockpit::runbook::Owner::Item(i) = dump.owner else {
        panic!("{:?}", dump.owner)
    };
    assert_eq!(rb.items[i].text, "Create fresh database backup:");
    let rollback = rb.rollback.as_ref().expect("rollback");
    let titles: Vec<_> = rollback
        .steps
        .iter()
        .map(|s| (s.title.as_str(), s.optional))
        .collect();
    assert_eq!(
        titles,
        [
            ("Immediate Actions", false),
            ("Database Rollback (if needed)", true),
            ("Verification", false),
            ("Communication", false),
            ("Post-Mortem", false)
        ]
    );
    assert_eq!(
        rollback.steps[2].items.len(),
        4,
        "the rollback's verification checklist"
    );
    let auth = rb.items.iter().find(|i| i.line == 109).expect("line 109");
    assert_eq!(
        (auth.title.as_deref(), auth.depth),
        (Some("Authentication"), 0)
    );
    assert!(
        rb.items
            .iter()
            .filter(|i| i.parent == Some(auth.id))
            .count()
            == 3
    );
    let secret: Vec<_> = rb
        .env_vars
        .iter()
        .filter(|v| v.secret)
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(secret, ["DB_PASSWORD", "ADMIN_TOKEN"]);
    assert_eq!(rb.contacts.len(), 6);
    let due: Vec<_> = rb.escalation.iter().map(|e| e.due_minutes).collect();
    assert_eq!(due, [Some(0), Some(15), None, None]);
}

#[test]
fn mojibake_copy_gives_the_same_runbook_repaired() {
    check(&Expect {
        file: "terp/PRODUCTION_ROLLOUT.mojibake.md",
        ..TERP
    });
    let Some(rb) = load("terp/PRODUCTION_ROLLOUT.mojibake.md") else {
        return;
    };
    let announce = rb
        .blocks
        .iter()
        .find(|b| b.line == 68)
        .expect("announcement");
    assert!(
        announce
            .code
            .starts_with("📢 Production Deployment Starting"),
        "{}",
        announce.code
    );
    assert!(
        rb.warnings
            .iter()
            .any(|w| w.line == Some(69) && w.message.contains("double-encoded"))
    );
}

#[test]
fn staging_rollout() {
    check(&Expect {
        file: "terp/STAGING_ROLLOUT.md",
        items: 28,
        commands: 5,
        manual: 1,
        templates: 2,
        rollback: (6, 2),
        criteria: &[],
        checkpoints: &[],
        health: &[],
        placeholders: 5,
        vars: &["STAGING_DB_HOST", "DB_USER", "DB_PASSWORD"],
    });
}

#[test]
fn thursday_deployment() {
    check(&Expect {
        file: "terp/THURSDAY_DEPLOYMENT_RUNBOOK.md",
        items: 26,
        commands: 13,
        manual: 0,
        templates: 4,
        rollback: (4, 3),
        criteria: &[
            (Manual, None, None, 186),
            (Manual, None, None, 187),
            (Manual, None, None, 188),
        ],
        checkpoints: &[(30, 22)],
        health: &["https://terp-app-b9s35.ondigitalocean.app/health/live"],
        // 7 blanks, 5 x <APP_ID>, <PREVIOUS_DEPLOYMENT_ID>, <DATABASE_ID>,
        // [describe issue], [describe plan], [List issues].
        placeholders: 17,
        vars: &[],
    });
}

#[test]
fn deployment_checklist() {
    check(&Expect {
        file: "terp/DEPLOYMENT-CHECKLIST.md",
        items: 0,
        commands: 8,
        manual: 0,
        templates: 0,
        rollback: (3, 1),
        criteria: &[],
        checkpoints: &[],
        health: &[],
        placeholders: 4,
        vars: &[],
    });
}

#[test]
fn seeding_runbook() {
    check(&Expect {
        file: "terp/SEEDING_RUNBOOK.md",
        items: 0,
        commands: 10,
        manual: 0,
        templates: 0,
        rollback: (2, 1),
        criteria: &[],
        checkpoints: &[],
        health: &[],
        placeholders: 0,
        vars: &[],
    });
}

#[test]
fn monitoring_rollback_plan() {
    check(&Expect {
        file: "terp/TERP_MONITORING_ROLLBACK_PLAN.md",
        items: 12,
        commands: 11,
        manual: 0,
        templates: 4,
        rollback: (3, 4),
        criteria: &[],
        checkpoints: &[],
        health: &["https://terp-app-b9s35.ondigitalocean.app/health"],
        placeholders: 31,
        vars: &["DIGITALOCEAN_TOKEN", "DO_TOKEN"],
    });
    let Some(rb) = load("terp/TERP_MONITORING_ROLLBACK_PLAN.md") else {
        return;
    };
    // The H1 names rollback too, but it is the document, not the procedure.
    assert_eq!(rb.rollback.as_ref().map(|r| r.line), Some(161));
    let due: Vec<_> = rb.escalation.iter().map(|e| e.due_minutes).collect();
    assert_eq!(due, [Some(0), Some(30), Some(60)]);
}

#[test]
fn staging_deployment() {
    check(&Expect {
        file: "terp/STAGING_DEPLOYMENT_RUNBOOK.md",
        items: 4,
        commands: 4,
        manual: 0,
        templates: 0,
        rollback: (3, 2),
        criteria: &[],
        checkpoints: &[],
        health: &["https://terp-staging-yicld.ondigitalocean.app/api/health"],
        placeholders: 0,
        vars: &[],
    });
    let Some(rb) = load("terp/STAGING_DEPLOYMENT_RUNBOOK.md") else {
        return;
    };
    // Alternatives are asked for, never all run in a row.
    assert!(
        rb.rollback
            .expect("rollback")
            .steps
            .iter()
            .all(|s| s.optional)
    );
}

#[test]
fn verification_checklist() {
    check(&Expect {
        file: "terp/DEPLOYMENT-VERIFICATION-CHECKLIST.md",
        items: 25,
        commands: 1,
        manual: 0,
        templates: 0,
        rollback: (3, 1),
        criteria: &[],
        checkpoints: &[],
        health: &[],
        placeholders: 0,
        vars: &[],
    });
}

#[test]
fn other_teams_rollout_rollback() {
    check(&Expect {
        file: "other/deployment-rollout-rollback.md",
        items: 22,
        commands: 14,
        manual: 0,
        templates: 3,
        rollback: (2, 4),
        criteria: &[
            (Latency, Some(Rule::Above), Some(5000.0), 215),
            (ErrorRate, Some(Rule::Above), Some(1.0), 216),
            (Manual, None, None, 217),
            (Manual, None, None, 218),
        ],
        checkpoints: &[],
        health: &[
            "https://docs-staging.github.com/health",
            "https://docs.github.com/health",
            "https://docs.github.com/api/health",
        ],
        placeholders: 21, // 18 in commands and templates, 2 brackets in prose, [24/7 On-call rotation]
        vars: &[],
    });
}

#[test]
fn every_corpus_file_is_covered_above() {
    let Some(dir) = corpus() else { return };
    let mut files = Vec::new();
    for sub in ["terp", "other"] {
        for e in std::fs::read_dir(dir.join(sub)).expect("corpus dir") {
            files.push(format!(
                "{sub}/{}",
                e.expect("entry").file_name().to_string_lossy()
            ));
        }
    }
    files.sort();
    assert_eq!(
        files.len(),
        10,
        "a new runbook in the corpus needs its own test: {files:?}"
    );
}
