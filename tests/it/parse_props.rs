//! Whatever bytes arrive, parsing terminates without a panic and every index
//! and line in the model points inside the runbook.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly by design

use proptest::prelude::*;
use rollout_cockpit::domain::runbook::{Owner, parse_bytes};

fn invariants(bytes: &[u8]) {
    let (text, rb) = parse_bytes(bytes);
    let lines = text.split('\n').count().max(1);
    for i in &rb.items {
        assert!(
            i.line >= 1 && i.line <= lines,
            "item line {} of {lines}",
            i.line
        );
        assert!(i.parent.is_none_or(|p| p < i.id));
    }
    for b in &rb.blocks {
        assert!(b.line >= 1 && b.line <= lines);
        match b.owner {
            Owner::Item(i) => assert!(i < rb.items.len()),
            Owner::Section(s) => assert!(s < rb.sections.len()),
            Owner::Document => {}
        }
    }
    for p in &rb.placeholders {
        assert!(p.line >= 1 && p.line <= lines);
    }
    if let Some(r) = &rb.rollback {
        for s in &r.steps {
            assert!(s.blocks.iter().all(|&b| b < rb.blocks.len()));
            assert!(s.items.iter().all(|&i| i < rb.items.len()));
        }
    }
    for w in &rb.warnings {
        assert!(w.line.is_none_or(|l| l >= 1 && l <= lines));
    }
}

const PIECES: &[&str] = &[
    "# ",
    "## Rollback Procedure\n",
    "### When to Rollback\n",
    "- [ ] ",
    "- [x] ",
    "* ",
    "1. ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "```bash\n",
    "```\n",
    "~~~\n",
    "> ",
    "**",
    "`",
    "<!-- ",
    " -->",
    "| a | b |\n",
    "|---|---|\n",
    "[X]",
    "<APP_ID>",
    "$DB_PASSWORD",
    "${X:-y}",
    "YYYYMMDD_HHMMSS",
    "___",
    "https://h.example/health",
    "Error rate > 5% above baseline",
    "**Time**: 10:00 PM - 2:00 AM EST",
    "2 Hours Before",
    "ðŸ“¢",
    "Ã",
    "text",
    " ",
    "é",
    "📢",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        invariants(&bytes);
    }

    #[test]
    fn arbitrary_markdown_never_panics(picks in proptest::collection::vec(0..PIECES.len(), 0..200)) {
        let text: String = picks.iter().map(|&i| PIECES[i]).collect();
        invariants(text.as_bytes());
    }
}
