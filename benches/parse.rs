//! Budgets (issue 2): the TERP plan under 1 ms; a 10,000-item runbook under
//! 50 ms.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rollout_cockpit::domain::runbook::{BUNDLED, parse};

/// A runbook shaped like the real ones: sections of checklist items, each
/// section with a command block and a placeholder, and a rollback.
fn generated(items: usize) -> String {
    let mut text = String::from("# Generated Runbook\n\n**Time**: 10:00 PM - 2:00 AM EST\n\n");
    for (i, s) in (0..items).step_by(20).enumerate() {
        text.push_str(&format!("## Step {i}: Section\n\n```bash\ncurl -fsS https://svc{i}.example/health -H \"Authorization: Bearer $TOKEN_{i}\" # <APP_ID>\n```\n\n"));
        for k in s..(s + 20).min(items) {
            text.push_str(&format!("- [ ] **Item {k}**: check `thing {k}` works for [X] users\n  - [ ] nested detail {k}\n"));
        }
        text.push('\n');
    }
    text.push_str("## Rollback Procedure\n\n1. **Revert**\n   ```bash\n   ./revert.sh\n   ```\n\n### When to Rollback\n\n- Error rate > 5% above baseline\n");
    text
}

fn bench(c: &mut Criterion) {
    c.bench_function("parse TERP plan", |b| b.iter(|| parse(black_box(BUNDLED))));
    let big = generated(5_000); // 5,000 items + 5,000 nested = 10,000
    let tasks = parse(&big)
        .items
        .iter()
        .filter(|i| i.kind == rollout_cockpit::domain::runbook::ItemKind::Task)
        .count();
    assert_eq!(tasks, 10_000);
    let mut group = c.benchmark_group("large");
    group.sample_size(20);
    group.bench_function("parse 10,000-item runbook", |b| {
        b.iter(|| parse(black_box(&big)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
