//! The integration tests, in one binary: one test executable to build and
//! link instead of one per file, which is what `cargo test` spent most of
//! its time on.
//!
//! [`harness`] holds what the tests share; each other module is one former
//! `tests/<name>.rs`. Fixtures stay in `tests/fixtures`, snapshots are in
//! `tests/it/snapshots` (named `it__<module>__<name>.snap`).
//!
//! Tests that need tmux or the corpus (`../shared/runbooks`) are
//! `#[ignore]`d, with the reason, where `build.rs` found them missing — and
//! never on CI (`CI=true`), where a missing one fails its tests.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly by design

mod harness;

mod access_log;
mod check_config;
mod cli_check;
mod cli_env;
mod cli_logs;
mod cockpit_loop;
mod config_strict;
mod confirm_shows_all;
mod copilot;
mod corpus;
mod criteria_tiers;
mod demo_e2e;
mod demo_metrics;
mod demo_service;
mod demo_story;
mod demo_tools;
mod escalation;
mod exec_run;
mod faults_e2e;
mod fixtures_parse;
mod health_e2e;
mod health_failures;
mod health_panes;
mod interactive_e2e;
mod keys_shown;
mod log_pane;
mod logs_e2e;
mod logs_stream;
mod long_lines;
mod mirror_clock;
mod monitor_cli;
mod monitor_logs;
mod monitor_probe;
mod monitor_prometheus;
mod notify_webhook;
mod output_pane;
mod parse_props;
mod probe_reasons;
mod prometheus_client;
mod prometheus_real;
mod readme;
mod replay;
mod replay_e2e;
mod report_charts;
mod resume_facts;
mod rollback_choice_e2e;
mod run_prometheus;
mod runner_e2e;
mod runner_flow;
mod runner_update;
mod screen_e2e;
mod screen_snapshots;
mod screen_update;
mod secrets_everywhere;
mod session_e2e;
mod session_journal;
mod steps_e2e;
mod watch_output_e2e;
mod window_prose;
mod worker_panics;
