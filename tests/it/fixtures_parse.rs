//! The project's own fixtures: one per awkward construct a real runbook may
//! hold. Expectations are read off the fixture text, with its line numbers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly by design

use std::path::PathBuf;

use rollout_cockpit::domain::runbook::{self, BlockKind, CriterionKind, Owner, Rule, Runbook};

fn fixture(name: &str) -> Runbook {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    runbook::load(Some(&path))
        .unwrap_or_else(|e| panic!("{e}"))
        .runbook
}

fn warning_at(rb: &Runbook, line: usize, needle: &str) -> bool {
    rb.warnings
        .iter()
        .any(|w| w.line == Some(line) && w.message.contains(needle))
}

#[test]
fn every_list_marker_and_checked_state() {
    let rb = fixture("constructs.md");
    let items: Vec<_> = rb
        .items
        .iter()
        .map(|i| (i.line, i.checked, i.text.as_str()))
        .collect();
    assert_eq!(
        &items[..5],
        [
            (11, false, "Plain dash item"),
            (12, false, "Star item"),
            (13, true, "Plus item, already done"),
            (14, false, "Numbered item with `inline code` and bold words"),
            (15, true, "Lead Title: text after the lead"),
        ]
    );
    assert_eq!(rb.items[4].title.as_deref(), Some("Lead Title"));
    assert_eq!(rb.items[3].title, None, "bold in the middle is not a lead");
}

#[test]
fn block_kinds_owners_and_console_prompts() {
    let rb = fixture("constructs.md");
    let kinds: Vec<_> = rb.blocks.iter().map(|b| (b.line, b.kind)).collect();
    assert_eq!(
        kinds,
        [
            (19, BlockKind::Command),
            (25, BlockKind::Manual),
            (32, BlockKind::Command),
            (41, BlockKind::Template),
            (45, BlockKind::Template),
            (49, BlockKind::Reference),
            (64, BlockKind::Command),
            (68, BlockKind::Command),
        ]
    );
    let console = &rb.blocks[2];
    assert_eq!(
        console.code,
        "./deploy.sh --version RELEASE_TAG\ncurl -fsS http://127.0.0.1:8080/healthz"
    );
    let runnable: Vec<_> = rb
        .sections
        .iter()
        .filter(|s| s.runnable)
        .map(|s| s.title.as_str())
        .collect();
    assert_eq!(runnable, ["Step 1: Backup", "Step 3: Console transcript"]);
    assert!(warning_at(&rb, 25, "only comments"));
    assert!(
        matches!(rb.blocks[0].owner, Owner::Section(s) if rb.sections[s].title == "Step 1: Backup")
    );
}

#[test]
fn rollback_criteria_from_a_table_and_steps_from_a_numbered_list() {
    let rb = fixture("constructs.md");
    let criteria: Vec<_> = rb
        .criteria
        .iter()
        .map(|c| (c.text.as_str(), c.kind, c.rule, c.threshold, c.line))
        .collect();
    assert_eq!(
        criteria,
        [
            (
                "p99 latency 2x slower than baseline",
                CriterionKind::Latency,
                Some(Rule::IncreasePercent),
                Some(100.0),
                57
            ),
            (
                "Error rate > 3%",
                CriterionKind::ErrorRate,
                Some(Rule::Above),
                Some(3.0),
                58
            ),
        ],
        "\"Fix forward\" is not a rollback action"
    );
    let rollback = rb.rollback.as_ref().expect("rollback");
    assert_eq!(
        (rollback.title.as_str(), rollback.line),
        ("Roll Back Steps", 61)
    );
    let steps: Vec<_> = rollback
        .steps
        .iter()
        .map(|s| (s.title.as_str(), s.kind, s.blocks.len(), s.items.len()))
        .collect();
    use rollout_cockpit::domain::runbook::StepKind;
    assert_eq!(
        steps,
        [
            ("Stop traffic", StepKind::Run, 1, 0),
            ("Restore database (optional)", StepKind::Optional, 1, 0),
            ("Verify", StepKind::Manual, 0, 2)
        ]
    );
}

#[test]
fn window_checkpoint_contacts_urls_placeholders_and_variables() {
    let rb = fixture("constructs.md");
    let w = rb.window.as_ref().expect("window");
    assert_eq!(
        (
            w.start.as_str(),
            w.end.as_str(),
            w.tz.as_deref(),
            w.max_hours
        ),
        ("23:00", "01:30", Some("UTC"), Some(3))
    );
    assert_eq!(w.preferred_days, ["Sat", "Sun"]);
    assert_eq!(
        rb.checkpoints
            .iter()
            .map(|c| (c.before_start_minutes, c.line))
            .collect::<Vec<_>>(),
        [(30, 9)]
    );
    assert_eq!(rb.contacts.len(), 1);
    assert_eq!(
        (
            rb.contacts[0].role.as_str(),
            rb.contacts[0].name.as_str(),
            rb.contacts[0].contact.as_str()
        ),
        ("Incident Commander", "Ada", "@ada")
    );
    assert_eq!(
        rb.escalation
            .iter()
            .map(|e| e.due_minutes)
            .collect::<Vec<_>>(),
        [Some(0), Some(20)]
    );
    assert_eq!(
        rb.health_urls,
        [
            "http://127.0.0.1:8080/healthz",
            "https://status.example/api/health",
            "https://wiki.example/ops/health"
        ]
    );
    let ph: Vec<_> = rb
        .placeholders
        .iter()
        .map(|p| (p.text.as_str(), p.line))
        .collect();
    assert_eq!(
        ph,
        [
            ("YYYYMMDD", 20),
            ("RELEASE_TAG", 33),
            ("[START TIME]", 42),
            ("<ONCALL_HANDLE>", 42),
            ("___________", 46),
            ("YYYYMMDD", 69)
        ],
        "the JSON reference block's brackets are not placeholders"
    );
    let vars: Vec<_> = rb
        .env_vars
        .iter()
        .map(|v| (v.name.as_str(), v.secret, v.line))
        .collect();
    assert_eq!(
        vars,
        [
            ("DB_HOST", false, 20),
            ("LB_API_TOKEN", true, 65),
            ("DATABASE_URL", false, 69)
        ]
    );
}

#[test]
fn six_levels_of_nesting_and_tabs() {
    let rb = fixture("nesting.md");
    let depths: Vec<_> = rb.items.iter().map(|i| (i.depth, i.parent)).collect();
    assert_eq!(
        depths,
        [
            (0, None),
            (1, Some(0)),
            (2, Some(1)),
            (3, Some(2)),
            (4, Some(3)),
            (5, Some(4)),
            (0, None),
            (1, Some(6))
        ]
    );
    assert_eq!(rb.items[5].text, "level six");
    assert_eq!(rb.items[7].text, "tab-indented child");
}

#[test]
fn unclosed_fence_is_a_warning_with_its_line() {
    let rb = fixture("unclosed-fence.md");
    assert!(warning_at(&rb, 7, "never closed"), "{:?}", rb.warnings);
    assert!(!rb.blocks[0].closed);
    assert_eq!(
        rb.items.len(),
        1,
        "what the open fence swallowed is code, not items"
    );
}

#[test]
fn code_in_a_blockquote_counts_and_html_comments_do_not() {
    let rb = fixture("blockquote-comment.md");
    assert_eq!(
        rb.items.iter().map(|i| i.text.as_str()).collect::<Vec<_>>(),
        ["the only real item"]
    );
    assert_eq!(rb.blocks.len(), 1);
    assert_eq!(
        (
            rb.blocks[0].kind,
            rb.blocks[0].code.as_str(),
            rb.blocks[0].line
        ),
        (BlockKind::Command, "ssh bastion.internal uptime\n", 7)
    );
}

#[test]
fn crlf_line_endings_parse_like_lf() {
    let rb = fixture("crlf.md");
    assert_eq!(
        rb.items
            .iter()
            .map(|i| (i.line, i.checked, i.text.as_str()))
            .collect::<Vec<_>>(),
        // The rollback's numbered step is a row too.
        [
            (5, false, "first"),
            (6, true, "second"),
            (14, false, "Revert")
        ]
    );
    assert_eq!(
        rb.blocks[0].code, "echo \"$GREETING\"\n",
        "no carriage return reaches bash"
    );
    assert_eq!(rb.env_vars[0].name, "GREETING");
    let rollback = rb.rollback.as_ref().expect("rollback");
    assert_eq!(rollback.steps.len(), 1);
    assert_eq!(rollback.command_count(&rb), 1);
}

#[test]
fn non_utf8_bytes_are_decoded_lossily_with_a_warning() {
    let rb = fixture("latin1.md");
    assert!(warning_at(&rb, 1, "not valid UTF-8"), "{:?}", rb.warnings);
    assert_eq!(rb.items.len(), 2);
    assert!(rb.title.starts_with("Caf"));
}

#[test]
fn a_runbook_without_rollback_or_criteria_says_so() {
    let rb = fixture("bare.md");
    assert!(rb.rollback.is_none());
    assert!(
        rb.warnings
            .iter()
            .any(|w| w.line.is_none() && w.message.contains("no rollback section"))
    );
    assert!(
        rb.warnings
            .iter()
            .any(|w| w.message.contains("no rollback criteria"))
    );
}

#[test]
fn a_five_megabyte_runbook_with_50000_items_loads() {
    let mut text = String::from("# Huge\n\n");
    for s in 0..500 {
        text.push_str(&format!("## Section {s}\n\n"));
        for i in 0..100 {
            text.push_str(&format!(
                "- [ ] item {i} of section {s}: verify the service answers within budget and that the dashboard stays green for the whole window\n"
            ));
        }
        text.push('\n');
    }
    assert!(text.len() > 5_000_000, "{} bytes", text.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.md");
    std::fs::write(&path, &text).expect("write");
    let rb = runbook::load(Some(&path)).expect("loads").runbook;
    assert_eq!(rb.items.len(), 50_000);
    assert_eq!(rb.sections.len(), 501);
    assert_eq!(rb.items[49_999].line, text.lines().count() - 1);
}
