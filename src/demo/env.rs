//! The values the TERP plan expects in its environment, made up for the
//! demo. They look like real credentials on purpose: the cockpit must mask
//! them wherever a command or its output would show them.

use super::tools::{SPEED_VAR, Tools, URL_VAR, VERSION_VAR};

pub const DB_PASSWORD: &str = "s3cr3t-demo-Pa55w0rd";
pub const ADMIN_TOKEN: &str = "terp-admin-7f3a9c2e51d84b06";
pub const DB_USER: &str = "terp_admin";
pub const PROD_DB_HOST: &str = "db.production.terp-app.local";

/// The names whose values are secrets, for the masking the runner does.
pub const SECRET_VARS: &[&str] = &["DB_PASSWORD", "ADMIN_TOKEN", "PRODUCTION_DATABASE_URL"];

/// A connection string with the password inside, as TERP's `.env` has it.
pub fn production_database_url() -> String {
    format!("mysql://{DB_USER}:{DB_PASSWORD}@{PROD_DB_HOST}:3306/terp_production")
}

/// Everything a command of the demo runs with, on top of the inherited
/// environment: the plan's variables, PATH with the stand-ins first, and
/// where the simulator is. `path` is the PATH to put after the stand-ins.
pub fn vars(
    service_url: &str,
    tools: &Tools,
    speed: f64,
    path: Option<&str>,
) -> Vec<(String, String)> {
    let pairs = [
        ("DB_PASSWORD", DB_PASSWORD.to_string()),
        ("ADMIN_TOKEN", ADMIN_TOKEN.to_string()),
        ("PRODUCTION_DATABASE_URL", production_database_url()),
        ("PROD_DB_HOST", PROD_DB_HOST.to_string()),
        ("DB_USER", DB_USER.to_string()),
        ("PATH", tools.path_var(path)),
        (URL_VAR, service_url.to_string()),
        (SPEED_VAR, speed.to_string()),
        (VERSION_VAR, super::service::NEW_VERSION.to_string()),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
