//! `rollout-cockpit check`: lint a runbook before the window. The JSON form
//! is a stable contract for scripts; the human form leads with what a
//! deployer must fix.

use std::fmt::Write as _;

use serde::Serialize;

use crate::cli::CheckArgs;
use crate::domain::monitor::Source;
use crate::domain::runbook::{
    Block, BlockKind, Checkpoint, Contact, Criterion, EscalationStep, ItemKind, Loaded,
    Placeholder, Runbook, StepKind, Warning, Window,
};
use crate::domain::words::count;

#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub title: &'a str,
    /// Rows to tick: task items and procedure steps alike.
    pub checklist_items: usize,
    pub checked_items: usize,
    /// The rows that came from procedure lists ("1. Deploy to staging").
    pub step_items: usize,
    /// Where each row came from.
    pub items: Vec<ItemRow>,
    /// Shell commands written inline in a step (`make deploy`).
    pub inline_commands: usize,
    pub commands: usize,
    pub manual_blocks: usize,
    pub templates: usize,
    /// Blocks shown (and copyable) but never run: reference material,
    /// crontab lines, config files.
    pub reference_blocks: usize,
    /// Commands the cockpit runs on the terminal itself: they wait for the
    /// operator (a prompt, a password, a terminal session).
    pub interactive: Vec<InteractiveCommand>,
    pub rollback: RollbackSummary,
    pub criteria: Vec<CriterionRow<'a>>,
    pub window: Option<&'a Window>,
    pub checkpoints: &'a [Checkpoint],
    pub health_urls: &'a [String],
    pub placeholders: &'a [Placeholder],
    pub env_vars: Vec<EnvVarStatus>,
    pub contacts: &'a [Contact],
    pub escalation: &'a [EscalationStep],
    pub warnings: Vec<Warning>,
    /// Where each measured criterion's number will come from, given the
    /// config (`--config`): the runbook's, or the defaults in their place.
    pub metric_sources: Vec<MetricSource>,
    /// The rows only someone other than the deployer may tick: approvals
    /// and sign-offs, and the config's `[rules] two_person`.
    pub two_person: Vec<crate::domain::runbook::approvals::TwoPerson>,
}

/// One measured criterion's metric and where `run` will read it.
#[derive(Debug, Serialize)]
pub struct MetricSource {
    /// The criterion's line; `null` for a default rule.
    pub line: Option<usize>,
    /// `error_rate`, `latency`, `log_errors`, `throughput`.
    pub metric: &'static str,
    pub source: String,
}

/// Whether the stream's lines are access lines is only known once it runs.
const ACCESS_OR_PROBE: &str = "access log when its lines are access lines, else the probe";

/// The source of each measured criterion's metric, `logs` saying whether a
/// log stream is configured and `prometheus` whether a Prometheus is.
pub fn metric_sources(criteria: &[Criterion], logs: bool, prometheus: bool) -> Vec<MetricSource> {
    use crate::domain::runbook::CriterionKind as K;
    let of = |line: Option<usize>, kind: K| {
        let (metric, source) = match kind {
            // Prometheus's figures win over the probe's and the access log's.
            K::ErrorRate if prometheus => ("error_rate", Source::Prometheus.label().to_string()),
            K::Latency if prometheus => ("latency", Source::Prometheus.label().to_string()),
            K::Throughput if prometheus => ("throughput", Source::Prometheus.label().to_string()),
            K::ErrorRate if logs => ("error_rate", ACCESS_OR_PROBE.to_string()),
            K::ErrorRate => (
                "error_rate",
                "probe (--logs CMD with access lines would give the access log's)".to_string(),
            ),
            K::Latency => ("latency", Source::Probe.label().to_string()),
            K::LogErrors if logs => ("log_errors", "log stream".to_string()),
            K::LogErrors => ("log_errors", "no source, add --logs CMD".to_string()),
            K::Throughput if logs => (
                "throughput",
                "access log, once its lines are access lines".to_string(),
            ),
            K::Throughput => ("throughput", "no source, add --logs CMD".to_string()),
            K::Manual => return None,
        };
        Some(MetricSource {
            line,
            metric,
            source,
        })
    };
    let mut out: Vec<MetricSource> = criteria
        .iter()
        .filter_map(|c| of(Some(c.line), c.kind))
        .collect();
    // Without an error or latency rule the defaults (+5 pp, +50%) apply.
    if !out
        .iter()
        .any(|m| m.metric == "error_rate" || m.metric == "latency")
    {
        out.extend(
            [of(None, K::ErrorRate), of(None, K::Latency)]
                .into_iter()
                .flatten(),
        );
    }
    out
}

/// A criterion as the runbook states it, and whether anything will
/// measure it: `no_source` is `"throughput: no source, add --logs"` for a
/// metric only a log stream counts, when neither `[logs] command` in
/// `--config` nor (at `check` time, unknowable) `--logs` gives one.
#[derive(Debug, Serialize)]
pub struct CriterionRow<'a> {
    #[serde(flatten)]
    pub criterion: &'a Criterion,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_source: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ItemRow {
    pub line: usize,
    pub kind: ItemKind,
    pub depth: usize,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct RollbackSummary {
    pub found: bool,
    /// The procedure `R` runs.
    pub heading: Option<String>,
    pub line: Option<usize>,
    pub steps: usize,
    pub commands: usize,
    pub outline: Vec<OutlineStep>,
    /// The other procedures' headings, offered in the confirm (`tab`).
    pub others: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct OutlineStep {
    pub title: String,
    pub kind: StepKind,
    pub commands: usize,
    pub options: Vec<OutlineOption>,
}

#[derive(Debug, Serialize)]
pub struct OutlineOption {
    pub title: String,
    pub commands: usize,
}

impl RollbackSummary {
    pub fn new(rb: &Runbook) -> Self {
        let commands = |blocks: &[usize]| {
            blocks
                .iter()
                .filter(|&&b| {
                    rb.blocks
                        .get(b)
                        .is_some_and(|b| b.kind == BlockKind::Command)
                })
                .count()
        };
        let Some(r) = &rb.rollback else {
            return RollbackSummary {
                found: false,
                heading: None,
                line: None,
                steps: 0,
                commands: 0,
                outline: Vec::new(),
                others: Vec::new(),
            };
        };
        RollbackSummary {
            found: true,
            heading: Some(r.title.clone()),
            line: Some(r.line),
            steps: r.steps.len(),
            commands: r.command_count(rb),
            outline: r
                .steps
                .iter()
                .map(|s| OutlineStep {
                    title: s.title.clone(),
                    kind: s.kind,
                    commands: commands(&s.blocks),
                    options: s
                        .options
                        .iter()
                        .map(|o| OutlineOption {
                            title: o.title.clone(),
                            commands: commands(&o.blocks),
                        })
                        .collect(),
                })
                .collect(),
            others: rb.rollback_others.iter().map(|o| o.title.clone()).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct InteractiveCommand {
    /// The source line of the command that waits, not of its block.
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct EnvVarStatus {
    pub name: String,
    pub set: bool,
    pub secret: bool,
}

/// Whether a variable has a value in this process's environment.
pub fn is_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

impl<'a> Report<'a> {
    /// `log_stream`: the config names a log command, so log and throughput
    /// criteria have a source.
    pub fn new(
        loaded: &'a Loaded,
        names: &crate::domain::mask::SecretNames,
        log_stream: bool,
    ) -> Self {
        let rb = &loaded.runbook;
        let count = |kind| rb.blocks.iter().filter(|b| b.kind == kind).count();
        let env_vars: Vec<EnvVarStatus> = rb
            .env_vars
            .iter()
            .map(|v| EnvVarStatus {
                name: v.name.clone(),
                set: is_set(&v.name),
                secret: names.is_secret(&v.name),
            })
            .collect();
        let mut warnings = rb.warnings.clone();
        for v in rb.env_vars.iter().filter(|v| !is_set(&v.name)) {
            warnings.push(Warning {
                line: Some(v.line),
                message: format!(
                    "${} is not set in this environment{}",
                    v.name,
                    if names.is_secret(&v.name) {
                        " (secret)"
                    } else {
                        ""
                    }
                ),
            });
        }
        for c in &rb.criteria {
            if let Some(bad) = crate::domain::runbook::unusable_number(&c.text) {
                warnings.push(Warning {
                    line: Some(c.line),
                    message: format!(
                        "criterion \"{}\": {bad} is not a threshold (a plain number above 0); \
                         the criterion is left to the operator",
                        c.text
                    ),
                });
            }
        }
        warnings.sort_by_key(|w| w.line);
        Report {
            title: &rb.title,
            checklist_items: rb.items.len(),
            checked_items: rb.items.iter().filter(|i| i.checked).count(),
            step_items: rb.items.iter().filter(|i| i.kind == ItemKind::Step).count(),
            items: rb
                .items
                .iter()
                .map(|i| ItemRow {
                    line: i.line,
                    kind: i.kind,
                    depth: i.depth,
                    text: i.text.clone(),
                })
                .collect(),
            inline_commands: rb
                .blocks
                .iter()
                .filter(|b| b.kind == BlockKind::Command && b.lang.as_deref() == Some("inline"))
                .count(),
            commands: count(BlockKind::Command),
            manual_blocks: count(BlockKind::Manual),
            templates: count(BlockKind::Template),
            reference_blocks: count(BlockKind::Reference),
            interactive: interactive_commands(loaded),
            rollback: RollbackSummary::new(rb),
            criteria: rb
                .criteria
                .iter()
                .map(|c| CriterionRow {
                    criterion: c,
                    no_source: crate::domain::monitor::criteria::missing_source(
                        c.kind.into(),
                        log_stream,
                    ),
                })
                .collect(),
            window: rb.window.as_ref(),
            checkpoints: &rb.checkpoints,
            health_urls: &rb.health_urls,
            placeholders: &rb.placeholders,
            env_vars,
            contacts: &rb.contacts,
            escalation: &rb.escalation,
            warnings,
            metric_sources: metric_sources(&rb.criteria, false, false),
            // With the config's `[rules]`, in `main`.
            two_person: Vec::new(),
        }
    }
}

/// Each command block's first line that waits for the operator.
fn interactive_commands(loaded: &Loaded) -> Vec<InteractiveCommand> {
    loaded
        .runbook
        .blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Command)
        .filter_map(|b| {
            let found = crate::domain::exec::interactive(&b.code)?;
            Some(InteractiveCommand {
                line: source_line(&loaded.text, b, found.line_offset),
                reason: found.reason,
            })
        })
        .collect()
}

/// The source line of a block's `offset`-th line of code. A console
/// transcript runs only what follows its `$ ` prompts, so there the
/// offset counts prompt lines.
fn source_line(text: &str, b: &Block, offset: usize) -> usize {
    // Command blocks are fenced: the code starts under the fence.
    let first = b.line + 1;
    if !matches!(
        b.lang.as_deref(),
        Some("console" | "shell-session" | "shellsession")
    ) {
        return first + offset;
    }
    text.lines()
        .enumerate()
        .skip(b.line)
        .filter(|(_, l)| {
            let t = l.trim_start_matches([' ', '\t', '>']);
            t.starts_with("$ ") || t.trim_end() == "$"
        })
        .nth(offset)
        .map_or(first + offset, |(i, _)| i + 1)
}

fn describe(c: &Criterion) -> String {
    let mut out = describe_rule(c);
    if let Some(p) = c.percentile.filter(|&p| p != 95) {
        out = out.replacen("latency", &format!("p{p} latency"), 1);
    }
    if let Some(s) = c.for_s {
        let held = if s % 60 == 0 {
            format!("{} min", s / 60)
        } else {
            format!("{s} s")
        };
        out.push_str(&format!(", held {held}"));
    }
    out
}

fn describe_rule(c: &Criterion) -> String {
    use crate::domain::runbook::{CriterionKind as K, Rule as R};
    let n = c.threshold.unwrap_or_default();
    match (c.kind, c.rule) {
        (K::ErrorRate, Some(R::IncreasePoints)) => {
            format!("error rate more than +{n} pp over baseline")
        }
        (K::ErrorRate, Some(R::Above)) => format!("error rate above {n}%"),
        (K::Latency, Some(R::IncreasePercent)) => format!("latency more than +{n}% over baseline"),
        (K::Latency, Some(R::Above)) => format!("latency above {n} ms"),
        // Counted only while `run` follows the logs: say so before the window.
        (K::LogErrors, Some(R::Above)) => {
            format!("log errors above {n}/min (needs --logs CMD or [logs] command)")
        }
        (K::LogErrors, Some(R::IncreasePercent)) => {
            format!("log errors more than +{n}% over baseline (needs --logs CMD or [logs] command)")
        }
        (K::LogErrors, Some(R::IncreasePoints)) => format!(
            "log errors more than +{n}/min over baseline (needs --logs CMD or [logs] command)"
        ),
        (K::Throughput, Some(R::DecreasePercent)) => format!(
            "throughput more than -{n}% under baseline (needs --logs CMD or [logs] command)"
        ),
        _ => match &c.reason {
            Some(why) => format!("manual: the operator's call ({why})"),
            None => "manual: the operator's call".to_string(),
        },
    }
}

/// The human summary: what was found, then every warning as `FILE:LINE:`.
pub fn human(loaded: &Loaded, report: &Report<'_>) -> String {
    let rb = &loaded.runbook;
    let mut o = String::new();
    let _ = writeln!(o, "{}: \"{}\"", loaded.name, report.title);
    let _ = writeln!(
        o,
        "  checklist    {} ({} checked) in {}",
        count(report.checklist_items, "item"),
        report.checked_items,
        count(rb.sections.len(), "section")
    );
    let steps: Vec<&str> = rb
        .sections
        .iter()
        .filter(|s| s.runnable)
        .map(|s| s.title.as_str())
        .collect();
    let _ = writeln!(
        o,
        "  commands     {} to run, {} manual, {}, {} reference (never run); runnable steps: {}",
        report.commands,
        report.manual_blocks,
        count(report.templates, "template"),
        report.reference_blocks,
        if steps.is_empty() {
            "none".to_string()
        } else {
            steps.join(", ")
        }
    );
    if !report.interactive.is_empty() {
        let n = report.interactive.len();
        let list: Vec<String> = report
            .interactive
            .iter()
            .map(|i| format!("line {} ({})", i.line, i.reason))
            .collect();
        let _ = writeln!(
            o,
            "  interactive  {} on the terminal: {}",
            count(n, "command runs"),
            list.join(", ")
        );
    }
    match &rb.rollback {
        Some(r) => {
            let _ = writeln!(
                o,
                "  rollback     \"{}\" (line {}): {}, {}",
                r.title,
                r.line,
                count(report.rollback.steps, "step"),
                count(report.rollback.commands, "command")
            );
            for (i, s) in r.steps.iter().enumerate() {
                let mark = match s.kind {
                    StepKind::Run => "",
                    StepKind::Optional => " [asks first]",
                    StepKind::Choice => " [asks which one]",
                    StepKind::Manual => " [manual]",
                };
                let _ = writeln!(o, "                 {}. {}{mark}", i + 1, s.title);
                for (k, opt) in s.options.iter().enumerate() {
                    let _ = writeln!(o, "                    {}) {}", k + 1, opt.title);
                }
            }
            for other in &rb.rollback_others {
                let _ = writeln!(
                    o,
                    "               also \"{}\" (line {}): an alternative procedure, offered in the rollback confirm",
                    other.title, other.line
                );
            }
        }
        None => {
            let _ = writeln!(o, "  rollback     NOT FOUND");
        }
    }
    let _ = writeln!(
        o,
        "  criteria     {}",
        if rb.criteria.is_empty() {
            "none: the default rules apply".to_string()
        } else {
            format!("{}", rb.criteria.len())
        }
    );
    for row in &report.criteria {
        let c = row.criterion;
        let rule = match &row.no_source {
            Some(why) => format!("{}; {why}", describe(c)),
            None => describe(c),
        };
        let _ = writeln!(
            o,
            "                 line {:<4} {}  ->  {rule}",
            c.line, c.text
        );
    }
    for m in &report.metric_sources {
        let line = m
            .line
            .map_or("default".to_string(), |l| format!("line {l}"));
        let _ = writeln!(o, "  source       {} ({line}): {}", m.metric, m.source);
    }
    match &rb.window {
        Some(w) => {
            let mut day_ends: Vec<(&String, &String)> = w.day_ends.iter().collect();
            day_ends.sort_by_key(|(day, _)| {
                day.parse::<chrono::Weekday>()
                    .map_or(7, |d| d.num_days_from_monday())
            });
            let day_ends: Vec<String> = day_ends
                .iter()
                .map(|(day, end)| format!("{day} until {end}"))
                .collect();
            let _ = writeln!(
                o,
                "  window       {}-{}{}{}{}{}",
                w.start,
                w.end,
                if day_ends.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", day_ends.join(", "))
                },
                // The cockpit's clock needs a zone; say which one it falls back to.
                w.tz.as_ref().map_or_else(
                    || ", zone not stated (the cockpit counts in UTC)".to_string(),
                    |tz| format!(" {tz}")
                ),
                w.max_hours
                    .map(|h| format!(", at most {h} h"))
                    .unwrap_or_default(),
                if w.preferred_days.is_empty() {
                    String::new()
                } else {
                    format!(", {}", w.preferred_days.join("/"))
                }
            );
        }
        None => {
            let _ = writeln!(o, "  window       none stated");
        }
    }
    if !rb.checkpoints.is_empty() {
        let cps: Vec<String> = rb
            .checkpoints
            .iter()
            .map(|c| format!("T-{} min (line {})", c.before_start_minutes, c.line))
            .collect();
        let _ = writeln!(o, "  checkpoints  {}", cps.join(", "));
    }
    let _ = writeln!(
        o,
        "  health       {}",
        if rb.health_urls.is_empty() {
            "no health URL (give one with --health)".to_string()
        } else {
            rb.health_urls.join(", ")
        }
    );
    if !report.two_person.is_empty() {
        use crate::domain::runbook::approvals::Because;
        let rows: Vec<String> = report
            .two_person
            .iter()
            .map(|t| {
                let why = match &t.because {
                    Because::Says(w) => format!("says \"{w}\""),
                    Because::Listed => "[rules] two_person".into(),
                };
                format!("line {} \"{}\" ({why})", t.line, t.text)
            })
            .collect();
        let _ = writeln!(
            o,
            "  two-person   {} only someone other than the deployer may tick (a co-pilot, from \
             rollout-cockpit join):",
            count(rows.len(), "row"),
        );
        for r in rows {
            let _ = writeln!(o, "                 {r}");
        }
    }
    if !rb.contacts.is_empty() || !rb.escalation.is_empty() {
        let _ = writeln!(
            o,
            "  contacts     {}, escalation path of {}",
            count(rb.contacts.len(), "contact"),
            count(rb.escalation.len(), "step")
        );
    }
    if !report.env_vars.is_empty() {
        let vars: Vec<String> = report
            .env_vars
            .iter()
            .map(|v| {
                format!(
                    "${} ({}{})",
                    v.name,
                    if v.set { "set" } else { "unset" },
                    if v.secret { ", secret: masked" } else { "" }
                )
            })
            .collect();
        let _ = writeln!(o, "  variables    {}", vars.join(", "));
    }
    let _ = writeln!(o, "  placeholders {}", report.placeholders.len());
    if !report.warnings.is_empty() {
        let _ = writeln!(o, "\n{}:", count(report.warnings.len(), "warning"));
        for w in &report.warnings {
            match w.line {
                Some(l) => {
                    let _ = writeln!(o, "{}:{}: warning: {}", loaded.name, l, w.message);
                }
                None => {
                    let _ = writeln!(o, "{}: warning: {}", loaded.name, w.message);
                }
            }
        }
    }
    o
}

pub fn main(args: &CheckArgs) -> u8 {
    let loaded = match crate::domain::runbook::load(args.runbook.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("rollout-cockpit: {e}");
            return 2;
        }
    };
    let config = match &args.config {
        Some(p) => crate::config::Config::load(p)
            .map_err(|e| e.to_string())
            .and_then(|c| {
                let logs = c.logs.as_ref().is_some_and(|l| l.command.is_some());
                let prometheus = c.prometheus.as_ref().is_some_and(|p| p.url.is_some());
                let listed = c.two_person().to_vec();
                c.secret_names()
                    .map(|n| (n, logs, prometheus, listed))
                    .map_err(|e| format!("{}: {e}", p.display()))
            }),
        None => Ok((
            crate::domain::mask::SecretNames::default(),
            false,
            false,
            Vec::new(),
        )),
    };
    let (names, logs, prometheus, listed) = match config {
        Ok(n) => n,
        Err(e) => {
            eprintln!("rollout-cockpit: {e}");
            return 2;
        }
    };
    let mut report = Report::new(&loaded, &names, logs);
    report.metric_sources = metric_sources(&loaded.runbook.criteria, logs, prometheus);
    let config_name = args
        .config
        .as_deref()
        .map_or_else(String::new, |p| p.display().to_string());
    report.two_person = match crate::domain::runbook::approvals::two_person(
        &loaded.runbook,
        &listed,
        "rules.two_person",
    ) {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("rollout-cockpit: {config_name}: {e} ({})", loaded.name);
            return 2;
        }
    };
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("rollout-cockpit: cannot encode the report: {e}");
                return 1;
            }
        }
    } else {
        print!("{}", human(&loaded, &report));
    }
    0
}
