//! Stand-ins for the tools the TERP plan calls: `railway` (and `railway
//! logs`, the demo's log stream), `pnpm`,
//! `mysqldump` and `mysql`, as small bash scripts written into a temporary
//! directory that goes first on PATH. The real `curl` (and `tee`, `date`)
//! stay in use: the plan's own `curl` lines talk to the simulator through the
//! environment profile.
//!
//! The scripts find the simulator through [`URL_VAR`] and scale their pauses
//! with [`SPEED_VAR`]. They never echo their arguments wholesale, so the
//! password the plan passes as `-p$DB_PASSWORD` is never printed.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// `http://127.0.0.1:PORT` of the simulator, for `railway`.
pub const URL_VAR: &str = "ROLLOUT_DEMO_URL";
/// Time compression: pauses are divided by it.
pub const SPEED_VAR: &str = "ROLLOUT_DEMO_SPEED";
/// The version `railway deploy` ships (default [`super::service::NEW_VERSION`]).
pub const VERSION_VAR: &str = "ROLLOUT_DEMO_VERSION";

/// Shared by every script: strict mode and a pause scaled by the speed.
const PRELUDE: &str = r#"#!/usr/bin/env bash
# A stand-in written by `rollout-cockpit demo`; it talks to the simulated
# TERP service on 127.0.0.1, never to a real system.
set -euo pipefail
nap() {
  sleep "$(awk -v s="$1" -v k="${ROLLOUT_DEMO_SPEED:-1}" 'BEGIN { if (k + 0 <= 0) k = 1; printf "%.3f", s / k }')"
}
"#;

const RAILWAY: &str = r#"
url="${ROLLOUT_DEMO_URL:-}"
if [ -z "$url" ]; then
  echo "railway (demo): ROLLOUT_DEMO_URL is not set; run through rollout-cockpit demo" >&2
  exit 1
fi
cmd="${1:-}"
if [ $# -gt 0 ]; then shift; fi
env="production"
while [ $# -gt 0 ]; do
  case "$1" in
    --environment|-e) env="${2:-production}"; shift; if [ $# -gt 0 ]; then shift; fi ;;
    --environment=*) env="${1#*=}"; shift ;;
    *) shift ;;
  esac
done
control() {
  if ! curl -fsS -X POST "$url/_demo/$1"; then
    echo "railway: cannot reach the Railway API" >&2
    exit 1
  fi
}
version_of() { sed -n 's/.*"version":"\([^"]*\)".*/\1/p'; }
case "$cmd" in
  deploy|up)
    version="${ROLLOUT_DEMO_VERSION:-v2.4.0}"
    echo "Deploying terp-api to environment: $env"
    nap 0.4; echo "  Indexing project... 1,284 files"
    nap 0.6; echo "  Uploading build context (18.4 MB)... done"
    nap 0.6; echo "  Build: [1/5] FROM node:20-alpine"
    nap 0.4; echo "  Build: [2/5] RUN corepack enable && pnpm install --frozen-lockfile"
    nap 0.7; echo "  Build: [3/5] RUN pnpm build"
    nap 0.5; echo "  Build: [4/5] COPY dist/ ./dist"
    nap 0.3; echo "  Build: [5/5] exporting image sha256:4f1c9e2a7b"
    nap 0.5; echo "  Release $version: starting 3 replicas"
    nap 0.5; echo "  Healthcheck /health passed on 3/3 replicas"
    live="$(control "version?name=$version" | version_of)"
    echo "  Traffic switched to $live"
    echo "Deployment live: terp-api $live ($env)"
    ;;
  rollback)
    echo "Rolling back terp-api in environment: $env"
    nap 0.4; echo "  Finding the previous successful deployment..."
    nap 0.5; echo "  Redeploying the previous image"
    nap 0.6; echo "  Healthcheck /health passed on 3/3 replicas"
    live="$(control rollback | version_of)"
    echo "  Traffic switched to $live"
    echo "Rollback complete: terp-api $live ($env)"
    ;;
  status)
    curl -fsS "$url/_demo/state"; echo
    ;;
  logs)
    # Follows the service's log until killed, as the real one does. -N: each
    # line as it arrives, not a pipe buffer's worth at a time.
    if ! curl -fsSN "$url/_demo/logs"; then
      echo "railway: cannot reach the Railway API" >&2
      exit 1
    fi
    ;;
  *)
    echo "railway (demo stand-in): deploy | rollback | status | logs [--environment ENV]" >&2
    exit 2
    ;;
esac
"#;

const PNPM: &str = r#"
script="${1:-}"
if [ "$script" = "run" ]; then script="${2:-}"; fi
case "$script" in
  db:push)
    echo ""
    echo "> terp@2.4.0 db:push /app"
    echo "> drizzle-kit push"
    echo ""
    echo "Reading config file '/app/drizzle.config.ts'"
    echo "Using 'mysql2' driver for database querying"
    nap 0.5; echo "[✓] Pulling schema from database..."
    nap 0.5
    echo " ALTER TABLE \`orders\` ADD \`fulfillment_status\` varchar(32) DEFAULT 'pending' NOT NULL;"
    echo " ALTER TABLE \`orders\` ADD \`fulfilled_at\` timestamp NULL;"
    echo " CREATE INDEX \`idx_orders_fulfillment_status\` ON \`orders\` (\`fulfillment_status\`);"
    nap 0.6; echo "[✓] Changes applied"
    ;;
  validate:schema)
    echo ""
    echo "> terp@2.4.0 validate:schema /app"
    echo "> tsx scripts/validate-schema.ts"
    echo ""
    echo "Validating 4 tables against drizzle/schema.ts"
    for t in customers products orders inventory_movements; do
      nap 0.2; echo "  ✓ $t"
    done
    echo "Schema validation passed: 4 tables, 0 differences"
    ;;
  *)
    echo " ERR_PNPM_NO_SCRIPT  Missing script: ${script:-<none>}" >&2
    exit 1
    ;;
esac
"#;

/// Parses the MySQL client flags the plan uses. A password is consumed and
/// dropped, never stored where it could be printed.
const MYSQL_ARGS: &str = r#"
host="localhost"; user="root"; db=""; password_given=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h) host="${2:-}"; shift ;;
    -h*) host="${1#-h}" ;;
    --host=*) host="${1#*=}" ;;
    -u) user="${2:-}"; shift ;;
    -u*) user="${1#-u}" ;;
    --user=*) user="${1#*=}" ;;
    -p*|--password=*) password_given=1 ;;
    -P) shift ;;
    -*) ;;
    *) db="$1" ;;
  esac
  if [ $# -gt 0 ]; then shift; fi
done
if [ -z "$db" ]; then
  echo "$tool: no database given (usage: $tool -h HOST -u USER -pPASSWORD DATABASE)" >&2
  exit 1
fi
if [ "$password_given" = 1 ]; then
  echo "$tool: [Warning] Using a password on the command line interface can be insecure." >&2
fi
"#;

const MYSQLDUMP: &str = r#"
tool=mysqldump
"#;

const MYSQLDUMP_BODY: &str = r#"
# Progress goes to stderr: stdout is the dump the plan redirects to a file.
echo "-- Connecting to $host as $user, dumping $db" >&2
nap 0.8
cat <<SQL
-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: $host    Database: $db
-- ------------------------------------------------------
-- Server version	8.0.36

/*!40101 SET NAMES utf8mb4 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;

DROP TABLE IF EXISTS \`customers\`;
CREATE TABLE \`customers\` (
  \`id\` int NOT NULL AUTO_INCREMENT,
  \`name\` varchar(255) NOT NULL,
  \`email\` varchar(255) NOT NULL,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
LOCK TABLES \`customers\` WRITE;
INSERT INTO \`customers\` VALUES (1,'Acme Dispensary','orders@acme.example'),(2,'Green Leaf Co','buying@greenleaf.example'),(3,'Harbor Supply','ap@harbor.example');
UNLOCK TABLES;

DROP TABLE IF EXISTS \`products\`;
CREATE TABLE \`products\` (
  \`id\` int NOT NULL AUTO_INCREMENT,
  \`sku\` varchar(64) NOT NULL,
  \`name\` varchar(255) NOT NULL,
  \`price_cents\` int NOT NULL,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
LOCK TABLES \`products\` WRITE;
INSERT INTO \`products\` VALUES (1,'TRP-1001','Display case',12900),(2,'TRP-1002','Shipping crate',4500),(3,'TRP-1003','Label roll',1200),(4,'TRP-1004','Scale',8900);
UNLOCK TABLES;

DROP TABLE IF EXISTS \`orders\`;
CREATE TABLE \`orders\` (
  \`id\` int NOT NULL AUTO_INCREMENT,
  \`customer_id\` int NOT NULL,
  \`total_cents\` int NOT NULL,
  \`created_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
LOCK TABLES \`orders\` WRITE;
INSERT INTO \`orders\` VALUES (1,1,25800,'2026-11-20 14:02:11'),(2,2,4500,'2026-11-21 09:15:40'),(3,3,10100,'2026-11-22 16:48:03');
UNLOCK TABLES;

DROP TABLE IF EXISTS \`inventory_movements\`;
CREATE TABLE \`inventory_movements\` (
  \`id\` int NOT NULL AUTO_INCREMENT,
  \`product_id\` int NOT NULL,
  \`delta\` int NOT NULL,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
LOCK TABLES \`inventory_movements\` WRITE;
INSERT INTO \`inventory_movements\` VALUES (1,1,-2),(2,2,-1),(3,4,5),(4,3,-10),(5,1,12);
UNLOCK TABLES;

/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
-- Dump completed on $(date '+%Y-%m-%d %H:%M:%S')
SQL
echo "-- Dumped 4 tables" >&2
"#;

const MYSQL: &str = r#"
tool=mysql
"#;

const MYSQL_BODY: &str = r#"
if [ -t 0 ]; then
  echo "mysql (demo stand-in): pipe a dump in: mysql ... $db < dump.sql" >&2
  exit 1
fi
tables=(); rows=()
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    "CREATE TABLE \`"*)
      name="${line#CREATE TABLE \`}"; name="${name%%\`*}"
      tables+=("$name"); rows+=(0) ;;
    "INSERT INTO \`"*)
      # One tuple per "),(" plus one.
      stripped="${line//"),("/}"
      n=$(( (${#line} - ${#stripped}) / 3 + 1 ))
      last=$(( ${#rows[@]} - 1 ))
      if [ "$last" -ge 0 ]; then rows[last]=$(( rows[last] + n )); fi ;;
  esac
done
if [ ${#tables[@]} -eq 0 ]; then
  echo "ERROR 1064 (42000) at line 1: the input is not a MySQL dump" >&2
  exit 1
fi
echo "Restoring into $db on $host as $user"
total=0
for i in "${!tables[@]}"; do
  nap 0.3
  echo "  restored ${tables[$i]} (${rows[$i]} rows)"
  total=$(( total + rows[i] ))
done
echo "Restore complete: ${#tables[@]} tables, $total rows"
"#;

/// Every stand-in: (file name, script).
pub fn scripts() -> Vec<(&'static str, String)> {
    vec![
        ("railway", format!("{PRELUDE}{RAILWAY}")),
        ("pnpm", format!("{PRELUDE}{PNPM}")),
        (
            "mysqldump",
            format!("{PRELUDE}{MYSQLDUMP}{MYSQL_ARGS}{MYSQLDUMP_BODY}"),
        ),
        ("mysql", format!("{PRELUDE}{MYSQL}{MYSQL_ARGS}{MYSQL_BODY}")),
    ]
}

/// Writes the stand-ins into `dir`, executable.
pub fn write_to(dir: &Path) -> io::Result<()> {
    for (name, text) in scripts() {
        let path = dir.join(name);
        fs::write(&path, text)?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// The stand-ins in a temporary directory, removed when this is dropped.
#[derive(Debug)]
pub struct Tools {
    dir: TempDir,
}

impl Tools {
    pub fn install() -> io::Result<Tools> {
        let dir = tempfile::Builder::new()
            .prefix("rollout-cockpit-demo-bin-")
            .tempdir()?;
        write_to(dir.path())?;
        Ok(Tools { dir })
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `dir` first, then the given PATH (the real curl, tee and date).
    pub fn path_var(&self, rest: Option<&str>) -> String {
        match rest {
            Some(r) if !r.is_empty() => format!("{}:{r}", self.dir().display()),
            _ => format!("{}:/usr/local/bin:/usr/bin:/bin", self.dir().display()),
        }
    }

    pub fn bin(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }
}
