//! Every real runbook in ../shared/runbooks loads with the counts a careful
//! reader finds in it. Each expectation below was tallied by hand from the
//! file, not copied from the parser's output.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly by design

use crate::harness::corpus;

use rollout_cockpit::domain::runbook::{
    self, BlockKind, CriterionKind, ItemKind, Rule, Runbook, StepKind,
};

fn load(rel: &str) -> Runbook {
    let path = corpus::file(rel);
    runbook::load(Some(&path))
        .unwrap_or_else(|e| panic!("{e}"))
        .runbook
}

struct Expect {
    file: &'static str,
    /// Task items (`- [ ]`) and procedure steps ("1. Deploy to staging").
    items: (usize, usize),
    commands: usize,
    manual: usize,
    templates: usize,
    /// Shown, never run: reference sections, crontab lines, config files.
    reference: usize,
    /// Steps and commands of the procedure `R` runs.
    rollback: Option<(usize, usize)>,
    /// Each step's title, what it does, and its options' titles.
    outline: &'static [(&'static str, StepKind, &'static [&'static str])],
    /// The other procedures, offered but never run after the first.
    others: &'static [&'static str],
    criteria: &'static [(CriterionKind, Option<Rule>, Option<f64>, usize)],
    checkpoints: &'static [(u32, usize)],
    health: &'static [&'static str],
    placeholders: usize,
    vars: &'static [&'static str],
}

fn check(e: &Expect) {
    let rb = load(e.file);
    let count = |k| rb.blocks.iter().filter(|b| b.kind == k).count();
    let kind = |k| rb.items.iter().filter(|i| i.kind == k).count();
    assert_eq!(
        (kind(ItemKind::Task), kind(ItemKind::Step)),
        e.items,
        "{}: checklist tasks and steps",
        e.file
    );
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
    assert_eq!(
        count(BlockKind::Reference),
        e.reference,
        "{}: reference blocks",
        e.file
    );
    let rollback = rb
        .rollback
        .as_ref()
        .map(|r| (r.steps.len(), r.command_count(&rb)));
    assert_eq!(rollback, e.rollback, "{}: rollback steps/commands", e.file);
    let outline: Vec<(&str, StepKind, Vec<&str>)> = rb
        .rollback
        .iter()
        .flat_map(|r| &r.steps)
        .map(|s| {
            (
                s.title.as_str(),
                s.kind,
                s.options.iter().map(|o| o.title.as_str()).collect(),
            )
        })
        .collect();
    let want: Vec<(&str, StepKind, Vec<&str>)> = e
        .outline
        .iter()
        .map(|(t, k, o)| (*t, *k, o.to_vec()))
        .collect();
    assert_eq!(outline, want, "{}: rollback outline", e.file);
    let others: Vec<&str> = rb
        .rollback_others
        .iter()
        .map(|r| r.title.as_str())
        .collect();
    assert_eq!(others, e.others, "{}: other procedures", e.file);
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

use CriterionKind::{ErrorRate, Latency, LogErrors, Manual};
use StepKind::{Choice, Manual as ByHand, Optional, Run};

const TERP_CRITERIA: &[(CriterionKind, Option<Rule>, Option<f64>, usize)] = &[
    (Manual, None, None, 150),
    (Manual, None, None, 151),
    (ErrorRate, Some(Rule::IncreasePoints), Some(5.0), 152),
    (Latency, Some(Rule::IncreasePercent), Some(50.0), 153),
    (Manual, None, None, 154),
];

const TERP: Expect = Expect {
    file: "terp/PRODUCTION_ROLLOUT.md",
    items: (65, 0),
    commands: 7,
    manual: 0,
    templates: 2,
    reference: 0,
    rollback: Some((5, 2)),
    outline: &[
        ("Immediate Actions", Run, &[]),
        ("Database Rollback (if needed)", Optional, &[]),
        ("Verification", ByHand, &[]),
        ("Communication", ByHand, &[]),
        ("Post-Mortem", ByHand, &[]),
    ],
    others: &[],
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
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn production_rollout() {
    check(&TERP);
    let rb = load(TERP.file);
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
    let rollout_cockpit::domain::runbook::Owner::Item(i) = dump.owner else {
        panic!("{:?}", dump.owner)
    };
    assert_eq!(rb.items[i].text, "Create fresh database backup:");
    let rollback = rb.rollback.as_ref().expect("rollback");
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
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn mojibake_copy_gives_the_same_runbook_repaired() {
    check(&Expect {
        file: "terp/PRODUCTION_ROLLOUT.mojibake.md",
        ..TERP
    });
    let rb = load("terp/PRODUCTION_ROLLOUT.mojibake.md");
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
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn staging_rollout() {
    check(&Expect {
        file: "terp/STAGING_ROLLOUT.md",
        items: (28, 6),
        commands: 5,
        manual: 1,
        templates: 2,
        reference: 0,
        rollback: Some((6, 2)),
        outline: &[
            ("Stop the deployment immediately", ByHand, &[]),
            ("Document the issue with screenshots/logs", ByHand, &[]),
            ("Rollback application to previous version", Run, &[]),
            (
                "Restore database if schema changes were applied",
                Optional,
                &[],
            ),
            ("Verify rollback with smoke tests", ByHand, &[]),
            ("Create incident report", ByHand, &[]),
        ],
        others: &[],
        criteria: &[],
        checkpoints: &[],
        health: &[],
        placeholders: 5,
        vars: &["STAGING_DB_HOST", "DB_USER", "DB_PASSWORD"],
    });
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn thursday_deployment() {
    check(&Expect {
        file: "terp/THURSDAY_DEPLOYMENT_RUNBOOK.md",
        items: (26, 3),
        // 12 outside the appendix; "Database Backup (If Needed)" and the
        // smoke tests each offer two alternatives in one block.
        commands: 14,
        manual: 0,
        templates: 4,
        reference: 1, // "Appendix: Quick Commands"
        rollback: Some((2, 3)),
        outline: &[
            (
                "Choose one",
                Choice,
                &[
                    "Option 1: Git Revert",
                    "Option 2: DigitalOcean Rollback",
                    "Option 3: Force Previous Deployment",
                ],
            ),
            ("Post-Rollback Steps", ByHand, &[]),
        ],
        others: &[],
        criteria: &[
            (Manual, None, None, 186),
            (Manual, None, None, 187),
            (Manual, None, None, 188),
        ],
        checkpoints: &[(30, 22)],
        health: &["https://terp-app-b9s35.ondigitalocean.app/health/live"],
        // 7 blanks, 4 x <APP_ID>, <PREVIOUS_DEPLOYMENT_ID>, <DATABASE_ID>,
        // [describe issue], [describe plan], [List issues]; the appendix's
        // <APP_ID> is reference, never run, so never filled.
        placeholders: 16,
        vars: &[],
    });
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn deployment_checklist() {
    let rb = load("terp/DEPLOYMENT-CHECKLIST.md");
    // "Deployment Procedure": its three steps' numbered lists are rows.
    let procedure: Vec<(usize, &str)> = rb
        .items
        .iter()
        .filter(|i| {
            i.section
                .and_then(|s| rb.sections[s].parent)
                .is_some_and(|p| rb.sections[p].title.contains("Deployment Procedure"))
        })
        .map(|i| (i.line, i.text.as_str()))
        .collect();
    assert_eq!(procedure.len(), 13, "{procedure:?}");
    assert_eq!(procedure[0], (151, "✅ Run local tests"));
    assert_eq!(procedure[12], (167, "Validate UI functionality"));
    check(&Expect {
        file: "terp/DEPLOYMENT-CHECKLIST.md",
        items: (0, 26),
        commands: 8,
        manual: 0,
        templates: 0,
        reference: 0,
        rollback: Some((3, 1)),
        outline: &[
            ("Check logs", Run, &[]),
            ("If migration fails", ByHand, &[]),
            ("If data corruption", ByHand, &[]),
        ],
        others: &[],
        criteria: &[],
        checkpoints: &[],
        health: &[],
        placeholders: 4,
        vars: &[],
    });
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn seeding_runbook() {
    check(&Expect {
        file: "terp/SEEDING_RUNBOOK.md",
        items: (0, 0),
        // 3.2, 3.3, 4 and the two alternatives "one of these commands" offers.
        commands: 5,
        // Blocks that only set variables: for the hosting console.
        manual: 5,
        templates: 0,
        reference: 1, // "Command Quick Reference"
        rollback: Some((2, 0)),
        outline: &[
            ("6.1 Stop future synthetic inserts", ByHand, &[]),
            (
                "6.2 Remove previously inserted seeded rows (optional)",
                ByHand,
                &[],
            ),
        ],
        others: &[],
        criteria: &[],
        checkpoints: &[],
        health: &[],
        placeholders: 0,
        vars: &[],
    });
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn monitoring_rollback_plan() {
    check(&Expect {
        file: "terp/TERP_MONITORING_ROLLBACK_PLAN.md",
        items: (12, 24),
        commands: 9,
        manual: 0,
        templates: 4,
        // The health JSON, the crontab line, "Key Commands".
        reference: 3,
        rollback: Some((3, 4)),
        outline: &[
            (
                "Scenario 1: Critical Bug in Latest Deployment",
                Choice,
                &[
                    "Option A: Git Revert (Recommended)",
                    "Option B: DigitalOcean Rollback (Faster)",
                ],
            ),
            ("Scenario 2: Database Schema Issue", Optional, &[]),
            ("Scenario 3: Environment Variable Issue", Optional, &[]),
        ],
        others: &[],
        // Its own "**Trigger:**" lines replace the default rules.
        criteria: &[
            (Manual, None, None, 117),
            (LogErrors, Some(Rule::Above), Some(10.0), 124),
            (Manual, None, None, 131),
            (Manual, None, None, 140),
            (Latency, Some(Rule::Above), Some(2000.0), 146),
            (Manual, None, None, 153),
        ],
        checkpoints: &[],
        health: &["https://terp-app-b9s35.ondigitalocean.app/health"],
        placeholders: 31,
        vars: &["DIGITALOCEAN_TOKEN", "DO_TOKEN"],
    });
    let rb = load("terp/TERP_MONITORING_ROLLBACK_PLAN.md");
    // The H1 names rollback too, but it is the document, not the procedure.
    assert_eq!(rb.rollback.as_ref().map(|r| r.line), Some(161));
    let due: Vec<_> = rb.escalation.iter().map(|e| e.due_minutes).collect();
    assert_eq!(due, [Some(0), Some(30), Some(60)]);
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn staging_deployment() {
    check(&Expect {
        file: "terp/STAGING_DEPLOYMENT_RUNBOOK.md",
        items: (4, 15),
        commands: 4,
        manual: 0,
        templates: 0,
        reference: 0,
        rollback: Some((1, 2)),
        outline: &[(
            "Choose one",
            Choice,
            &[
                "Option A: Revert commit (auto-redeploy)",
                "Option B: DigitalOcean console rollback",
                "Option C: Manual revert and push",
            ],
        )],
        others: &[],
        criteria: &[],
        checkpoints: &[],
        health: &["https://terp-staging-yicld.ondigitalocean.app/api/health"],
        placeholders: 0,
        vars: &[],
    });
    let rb = load("terp/STAGING_DEPLOYMENT_RUNBOOK.md");
    // Option B is done in a console: choosing it runs nothing.
    let choice = &rb.rollback.expect("rollback").steps[0];
    let runs: Vec<usize> = choice
        .options
        .iter()
        .map(|o| {
            o.blocks
                .iter()
                .filter(|&&b| rb.blocks[b].kind == BlockKind::Command)
                .count()
        })
        .collect();
    assert_eq!(runs, [1, 0, 1]);
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn verification_checklist() {
    check(&Expect {
        file: "terp/DEPLOYMENT-VERIFICATION-CHECKLIST.md",
        items: (25, 0),
        commands: 1,
        manual: 0,
        templates: 0,
        reference: 0,
        rollback: Some((3, 1)),
        outline: &[
            ("Immediate Rollback", Run, &[]),
            ("Alternative Fix", ByHand, &[]),
            ("Emergency Workaround", ByHand, &[]),
        ],
        others: &[],
        criteria: &[],
        checkpoints: &[],
        health: &[],
        placeholders: 0,
        vars: &[],
    });
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn other_teams_rollout_rollback() {
    check(&Expect {
        file: "other/deployment-rollout-rollback.md",
        items: (22, 12),
        commands: 14,
        manual: 0,
        templates: 3,
        reference: 0,
        // Two alternative procedures, not two steps of one.
        rollback: Some((2, 2)),
        outline: &[
            ("Emergency Rollback Trigger", Run, &[]),
            ("Validation After Rollback", Run, &[]),
        ],
        others: &["Planned Rollback (15+ minutes)"],
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
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn every_corpus_file_is_covered_above() {
    let dir = corpus::dir();
    let mut files = Vec::new();
    for sub in ["terp", "other", "real"] {
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
        14,
        "a new runbook in the corpus needs its own test: {files:?}"
    );
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn govuk_deploying() {
    check(&Expect {
        file: "real/01-govuk-deploying.md",
        // The 11 numbered deployment steps are prose, not task items.
        items: (0, 11),
        commands: 0,
        manual: 0,
        templates: 0,
        reference: 0,
        // "### Rollback" is prose with two conditional paths: found, but no
        // list of steps to invent.
        rollback: Some((0, 0)),
        outline: &[],
        others: &[],
        // "If a release fails in staging and it is not a quick-fix, you
        // should rollback the change": the operator's call.
        criteria: &[(Manual, None, None, 100)],
        checkpoints: &[],
        health: &[],
        placeholders: 0,
        vars: &[],
    });
    let rb = load("real/01-govuk-deploying.md");
    // Front matter is the page's metadata; its `title:` names the page.
    assert_eq!(rb.title, "Deploy an application to GOV.UK");
    assert_eq!(rb.rollback.as_ref().map(|r| r.line), Some(88));
    assert!(rb.sections.iter().all(|s| !s.title.contains("owner_slack")));
    // The eleven numbered steps of "### Deployment" are the checklist; the
    // Introduction's bullets stay text.
    let under = |title: &str| {
        rb.items
            .iter()
            .filter(|i| i.section.is_some_and(|s| rb.sections[s].title == title))
            .count()
    };
    assert_eq!(under("Deployment"), 11);
    assert_eq!(under("Introduction"), 0);
    assert_eq!(
        rb.items[0].text,
        "Check with anyone whose changes you will release during your deploy (check the release app)"
    );
    assert_eq!(
        rb.items[10].text,
        "Stay around for a while just in case something goes wrong"
    );
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn labels_lab_rollback() {
    check(&Expect {
        file: "real/03-labels-lab-rollback.md",
        items: (24, 0),
        // 11 bash blocks: 8 in the rollback steps, 3 under "Common Issues
        // and Solutions" (troubleshooting: shown, never run).
        commands: 8,
        manual: 0,
        templates: 0,
        reference: 3,
        rollback: Some((5, 8)),
        outline: &[
            ("Assess Situation (2 min)", Run, &[]),
            (
                "Initiate Rollback (1 min)",
                Choice,
                &[
                    "Option A: Quick Rollback (Kubernetes)",
                    "Option B: Specific Version Rollback",
                    "Option C: Emergency Git Revert",
                ],
            ),
            ("Verify Rollback (3 min)", Run, &[]),
            ("Monitor Stability (5 min)", Run, &[]),
            ("Communicate Status", Run, &[]),
        ],
        others: &[],
        // "When to Use" (errors > 5% is an absolute rate) and the
        // "Decision Matrix": both tiers of the error rate, P95 in seconds,
        // memory and CPU the operator's call, 500s per minute in the logs.
        criteria: &[
            (ErrorRate, Some(Rule::Above), Some(5.0), 5),
            (Manual, None, None, 6),
            (Latency, Some(Rule::IncreasePercent), Some(50.0), 7),
            (Manual, None, None, 8),
            (ErrorRate, Some(Rule::Above), Some(10.0), 116),
            (ErrorRate, Some(Rule::Above), Some(5.0), 117),
            (Latency, Some(Rule::Above), Some(5000.0), 118),
            (Manual, None, None, 119),
            (Manual, None, None, 120),
            (LogErrors, Some(Rule::Above), Some(100.0), 121),
        ],
        checkpoints: &[],
        health: &["https://api.example.com/health"],
        placeholders: 0,
        vars: &["SLACK_WEBHOOK", "INCIDENT_ID", "STATUS_TOKEN"],
    });
    let rb = load("real/03-labels-lab-rollback.md");
    // "5-10% -> rollback within 5 min": the tier holds 5 minutes.
    assert_eq!(rb.criteria[5].for_s, Some(300));
    assert_eq!(rb.criteria[6].percentile, Some(95));
    // Option C pushes to main: it runs only when picked, alone.
    let choice = &rb.rollback.as_ref().expect("rollback").steps[1];
    let push = rb
        .blocks
        .iter()
        .find(|b| b.code.contains("git push origin main"))
        .expect("option C");
    let holding: Vec<usize> = choice
        .options
        .iter()
        .enumerate()
        .filter(|(_, o)| o.blocks.contains(&push.id))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(holding, [2]);
    assert!(choice.blocks.is_empty(), "nothing runs before the choice");
    assert_eq!(rb.escalation.len(), 4);
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn sdd_deployment_checklist() {
    check(&Expect {
        file: "real/05-sdd-deployment-checklist.md",
        items: (15, 3),
        commands: 0,
        manual: 0,
        templates: 0,
        reference: 0,
        // "**Rollback Process:**" is a procedure of three steps, not three
        // more criteria.
        rollback: Some((3, 0)),
        outline: &[
            (
                "Revert deployment (blue-green switch / previous Docker tag)",
                ByHand,
                &[],
            ),
            ("Notify team", ByHand, &[]),
            ("Post-mortem scheduled", ByHand, &[]),
        ],
        others: &[],
        criteria: &[
            (ErrorRate, Some(Rule::Above), Some(1.0), 36),
            (Latency, Some(Rule::IncreasePercent), Some(100.0), 37),
            (Manual, None, None, 38),
            (Manual, None, None, 39),
        ],
        checkpoints: &[],
        health: &[],
        placeholders: 0,
        vars: &[],
    });
    let rb = load("real/05-sdd-deployment-checklist.md");
    assert_eq!(
        rb.rollback.as_ref().map(|r| (r.title.as_str(), r.line)),
        Some(("Rollback Process", 41))
    );
}

#[test]
#[cfg_attr(
    no_corpus,
    ignore = "../shared/runbooks is absent: put the corpus beside the repository to run the corpus tests"
)]
fn updog_release_checklist() {
    check(&Expect {
        file: "real/07-updog-release-checklist.md",
        items: (47, 0),
        commands: 0,
        manual: 0,
        templates: 0,
        reference: 0,
        rollback: None,
        outline: &[],
        others: &[],
        criteria: &[
            (ErrorRate, Some(Rule::Above), Some(1.0), 74),
            (Latency, Some(Rule::IncreasePercent), Some(400.0), 75),
            (Manual, None, None, 76),
            (Manual, None, None, 77),
            (Manual, None, None, 78),
        ],
        checkpoints: &[],
        health: &[],
        // [Name] and [Phone] for three contacts.
        placeholders: 6,
        vars: &[],
    });
    let rb = load("real/07-updog-release-checklist.md");
    // Each criterion keeps its own hold and percentile.
    let kept: Vec<(Option<u64>, Option<u8>)> = rb
        .criteria
        .iter()
        .take(2)
        .map(|c| (c.for_s, c.percentile))
        .collect();
    assert_eq!(kept, [(Some(300), None), (None, Some(99))]);
}
