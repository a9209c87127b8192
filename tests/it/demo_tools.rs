//! The stand-in tools, run by real bash with the demo's environment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Output;

use rollout_cockpit::demo::env::{self, ADMIN_TOKEN, DB_PASSWORD};
use rollout_cockpit::demo::service::{BASE_VERSION, NEW_VERSION};
use rollout_cockpit::demo::tools::Tools;
use rollout_cockpit::demo::{Scenario, ScenarioConfig, Service};

const SPEED: f64 = 50.0;

async fn sh(script: &str, cwd: &Path, vars: &[(String, String)]) -> Output {
    tokio::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .await
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn assert_no_secret(o: &Output, secret: &str) {
    let (out, err) = text(o);
    assert!(!out.contains(secret), "stdout shows the secret: {out}");
    assert!(!err.contains(secret), "stderr shows the secret: {err}");
}

fn demo_vars(tools: &Tools, url: &str) -> Vec<(String, String)> {
    env::vars(url, tools, SPEED, std::env::var("PATH").ok().as_deref())
}

#[tokio::test]
async fn mysqldump_writes_a_dump_that_mysql_reads_back() {
    let tools = Tools::install().unwrap();
    let work = tempfile::tempdir().unwrap();
    let vars = demo_vars(&tools, "http://127.0.0.1:9");

    let o = sh(
        "mysqldump -h h -u u -psecret db > f.sql",
        work.path(),
        &vars,
    )
    .await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert_no_secret(&o, "secret");
    let dump = std::fs::read_to_string(work.path().join("f.sql")).unwrap();
    assert!(dump.starts_with("-- MySQL dump"));
    assert!(dump.contains("Host: h    Database: db"));
    assert_eq!(dump.matches("CREATE TABLE").count(), 4);
    assert!(dump.contains("-- Dump completed on 20"));
    assert!(!dump.contains("secret"));

    let o = sh("mysql -h h -u u -psecret db < f.sql", work.path(), &vars).await;
    let (out, _) = text(&o);
    assert!(o.status.success(), "{:?}", text(&o));
    assert_no_secret(&o, "secret");
    assert!(out.contains("restored customers (3 rows)"), "{out}");
    assert!(
        out.contains("restored inventory_movements (5 rows)"),
        "{out}"
    );
    assert!(out.contains("Restore complete: 4 tables, 15 rows"), "{out}");

    // Not a dump: refused.
    let o = sh("echo 'SELECT 1;' | mysql -u u db", work.path(), &vars).await;
    assert!(!o.status.success());
}

#[tokio::test]
async fn the_plans_backup_line_works_with_the_demo_values() {
    let tools = Tools::install().unwrap();
    let work = tempfile::tempdir().unwrap();
    let vars = demo_vars(&tools, "http://127.0.0.1:9");
    // Verbatim from assets/runbooks/terp-production-rollout.md.
    let line = "mysqldump -h $PROD_DB_HOST -u $DB_USER -p$DB_PASSWORD terp_production > prod_backup_$(date +%Y%m%d_%H%M%S).sql";
    let o = sh(line, work.path(), &vars).await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert_no_secret(&o, DB_PASSWORD);
    let dumps: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("prod_backup_") && n.ends_with(".sql"))
        .collect();
    assert_eq!(dumps.len(), 1, "{dumps:?}");
    let o = sh(
        &format!(
            "mysql -h $PROD_DB_HOST -u $DB_USER -p$DB_PASSWORD terp_production < {}",
            dumps[0]
        ),
        work.path(),
        &vars,
    )
    .await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert_no_secret(&o, DB_PASSWORD);
    assert!(
        text(&o)
            .0
            .contains("into terp_production on db.production.terp-app.local")
    );
}

#[tokio::test]
async fn pnpm_migrates_and_validates() {
    let tools = Tools::install().unwrap();
    let work = tempfile::tempdir().unwrap();
    let vars = demo_vars(&tools, "http://127.0.0.1:9");
    let o = sh(
        "pnpm db:push 2>&1 | tee migration_$(date +%Y%m%d_%H%M%S).log",
        work.path(),
        &vars,
    )
    .await;
    assert!(o.status.success());
    assert!(text(&o).0.contains("[✓] Changes applied"));
    let o = sh("pnpm validate:schema", work.path(), &vars).await;
    assert!(o.status.success());
    assert!(text(&o).0.contains("Schema validation passed"));
    let o = sh("pnpm nope", work.path(), &vars).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("Missing script: nope"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn railway_deploy_and_rollback_switch_the_simulator() {
    let (_, service) = Service::start(ScenarioConfig::new(Scenario::Degrade, SPEED, ADMIN_TOKEN))
        .await
        .unwrap();
    let tools = Tools::install().unwrap();
    let work = tempfile::tempdir().unwrap();
    let vars = demo_vars(&tools, &service.url());

    let o = sh(
        "railway deploy --environment production",
        work.path(),
        &vars,
    )
    .await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("Deploying terp-api to environment: production"));
    assert!(
        out.contains(&format!("Deployment live: terp-api {NEW_VERSION}")),
        "{out}"
    );
    assert_eq!(service.snapshot().version, NEW_VERSION);
    assert_eq!(service.snapshot().deploys, 1);
    assert_no_secret(&o, DB_PASSWORD);
    assert_no_secret(&o, ADMIN_TOKEN);

    let o = sh(
        "railway rollback --environment production",
        work.path(),
        &vars,
    )
    .await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains(&format!("Rollback complete: terp-api {BASE_VERSION}")),
        "{out}"
    );
    assert_eq!(service.snapshot().version, BASE_VERSION);

    let o = sh("railway frobnicate", work.path(), &vars).await;
    assert_eq!(o.status.code(), Some(2));
}

#[tokio::test]
async fn railway_without_the_simulator_fails_cleanly() {
    let tools = Tools::install().unwrap();
    let work = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let vars = demo_vars(&tools, &dead);
    let o = sh("railway deploy", work.path(), &vars).await;
    assert!(!o.status.success());
    assert!(text(&o).1.contains("cannot reach the Railway API"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plans_curl_lines_reach_the_simulator_through_a_profile() {
    use rollout_cockpit::domain::profile::{Profile, rewrite_command};
    use std::collections::BTreeMap;

    let (_, service) = Service::start(ScenarioConfig::new(Scenario::Degrade, SPEED, ADMIN_TOKEN))
        .await
        .unwrap();
    let tools = Tools::install().unwrap();
    let work = tempfile::tempdir().unwrap();
    let vars = demo_vars(&tools, &service.url());
    let profile = Profile::new(
        "demo",
        &BTreeMap::from([("api.production.terp-app.local".to_string(), service.url())]),
    )
    .unwrap();
    // Verbatim from assets/runbooks/terp-production-rollout.md.
    let enable = "curl -X POST https://api.production.terp-app.local/admin/maintenance/enable \\\n  -H \"Authorization: Bearer $ADMIN_TOKEN\"";
    let o = sh(&rewrite_command(&profile, enable), work.path(), &vars).await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(service.snapshot().maintenance);
    assert_no_secret(&o, ADMIN_TOKEN);

    let health = "curl https://api.production.terp-app.local/health";
    let o = sh(&rewrite_command(&profile, health), work.path(), &vars).await;
    assert!(
        text(&o).0.contains("\"maintenance\":true"),
        "{:?}",
        text(&o)
    );

    // Without the token the simulator refuses, as production would.
    let o = sh(
        &rewrite_command(
            &profile,
            "curl -fsS -X POST https://api.production.terp-app.local/admin/maintenance/disable",
        ),
        work.path(),
        &vars,
    )
    .await;
    assert!(!o.status.success());
    assert!(service.snapshot().maintenance);
}

/// `railway logs` as the cockpit runs it: through the log stream, with the
/// demo's environment, against a simulator that then goes bad.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn railway_logs_follows_the_service_and_shows_its_errors() {
    use rollout_cockpit::domain::exec::{Masker, SecretNames};
    use rollout_cockpit::domain::logs::{self, LogMsg, LogSpec};
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::time::{Instant, timeout};

    let (_, service) = Service::start(ScenarioConfig::new(Scenario::Degrade, SPEED, ADMIN_TOKEN))
        .await
        .unwrap();
    let tools = Tools::install().unwrap();
    let work = tempfile::tempdir().unwrap();
    let vars = demo_vars(&tools, &service.url());
    let masker = Masker::with_vars(SecretNames::default(), vars.clone());
    let mut spec = LogSpec::new(
        "railway logs --environment production",
        work.path().join("logs.log"),
        Arc::new(masker),
    );
    spec.run.env = vars;
    spec.run.workdir = work.path().to_path_buf();
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let handle = logs::spawn(spec, tx);

    // Collects lines until `done` says so, given them and the errors the
    // counts saw meanwhile.
    async fn until(
        rx: &mut tokio::sync::mpsc::Receiver<LogMsg>,
        done: impl Fn(&[String], u32) -> bool,
    ) -> (Vec<String>, u32) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let (mut seen, mut errors) = (Vec::new(), 0);
        while !done(&seen, errors) {
            let left = deadline.saturating_duration_since(Instant::now());
            match timeout(left, rx.recv()).await {
                Ok(Some(LogMsg::Lines { lines, .. })) => {
                    seen.extend(lines.into_iter().map(|l| l.text));
                }
                Ok(Some(LogMsg::Count(c))) => errors += c.errors,
                Ok(Some(LogMsg::Exited { code, error, .. })) => {
                    panic!("railway logs ended: {code:?} {error:?}; saw {seen:?}")
                }
                Ok(Some(LogMsg::Started { .. })) => {}
                Ok(None) | Err(_) => panic!("not in time; saw {seen:?}"),
            }
        }
        (seen, errors)
    }
    let access_ok = |l: &String| l.starts_with("10.0.0.") && l.contains(" HTTP/1.1\" 200 ");
    let (good, _) = until(&mut rx, |s, _| {
        s.iter().filter(|l| access_ok(l)).count() >= 20
    })
    .await;
    assert!(
        good[0].contains("INFO  [server] > terp@2.3.1 start"),
        "{good:?}"
    );
    assert!(good.iter().any(|l| l.contains(" INFO  [")));

    service.switch_version(NEW_VERSION);
    let failed = |l: &String| l.starts_with("10.0.0.") && l.contains(" HTTP/1.1\" 5");
    // The counts see them too, once the second they came in is over.
    let (bad, _) = until(&mut rx, |s, errors| {
        s.iter().any(failed) && s.iter().any(|l| l.contains(" ERROR [")) && errors > 0
    })
    .await;
    assert!(bad.iter().any(|l| l.contains("terp-api v2.4.0 listening")));
    assert!(
        bad.iter().any(access_ok),
        "a bad version still serves most requests"
    );

    timeout(Duration::from_secs(20), handle.stop())
        .await
        .unwrap();
    let log = std::fs::read_to_string(work.path().join("logs.log")).unwrap();
    assert!(log.contains(" HTTP/1.1\" 5"));
    assert!(!log.contains(DB_PASSWORD));
}
