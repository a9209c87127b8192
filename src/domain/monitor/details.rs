//! What a TERP-shaped health body says beyond up/down, for the details table.
//! Parsing is lenient: any field may be missing or of another type, and a
//! body of another shape simply gives fewer details.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How the overall `status` reads; `Degraded` is amber, not a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Healthy,
    Degraded,
    Unhealthy,
    Unknown,
}

/// Statuses that make a probe fail (case-insensitive).
pub const UNHEALTHY_STATUSES: [&str; 4] = ["unhealthy", "error", "down", "fail"];

impl Level {
    pub fn from_status(status: &str) -> Level {
        let s = status.trim().to_ascii_lowercase();
        if UNHEALTHY_STATUSES.contains(&s.as_str()) {
            Level::Unhealthy
        } else if s == "degraded" || s == "warn" || s == "warning" {
            Level::Degraded
        } else if s == "healthy" || s == "ok" || s == "up" || s == "pass" {
            Level::Healthy
        } else {
            Level::Unknown
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Database {
    pub status: Option<String>,
    pub latency_ms: Option<f64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    pub free: Option<u64>,
    pub total: Option<u64>,
    pub queued: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthDetails {
    pub status: Option<String>,
    pub level: Level,
    pub database: Option<Database>,
    pub memory_percent: Option<f64>,
    pub pool: Option<Pool>,
}

impl HealthDetails {
    /// `None` when the body is not a JSON object.
    pub fn from_json(body: &Value) -> Option<HealthDetails> {
        let obj = body.as_object()?;
        let status = obj.get("status").and_then(Value::as_str).map(str::to_owned);
        let level = status.as_deref().map_or(Level::Unknown, Level::from_status);
        let checks = obj.get("checks");
        let check = |name: &str| checks.and_then(|c| c.get(name)).filter(|v| v.is_object());
        let database = check("database").map(|db| Database {
            status: db.get("status").and_then(Value::as_str).map(str::to_owned),
            latency_ms: db.get("latency").and_then(Value::as_f64),
            error: db.get("error").and_then(Value::as_str).map(str::to_owned),
        });
        let memory_percent = check("memory").and_then(|m| m.get("percentage")?.as_f64());
        let pool = check("connectionPool").map(|p| Pool {
            free: p.get("free").and_then(Value::as_u64),
            total: p.get("total").and_then(Value::as_u64),
            queued: p.get("queued").and_then(Value::as_u64),
        });
        Some(HealthDetails {
            status,
            level,
            database,
            memory_percent,
            pool,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_terp_body() {
        let body: Value = serde_json::from_str(
            r#"{"status":"degraded","timestamp":"2026-11-24T03:12:09.120Z","uptime":8123.4,
              "checks":{"database":{"status":"ok","latency":4},
                        "memory":{"status":"ok","used":81234944,"total":134217728,"percentage":60.52},
                        "connectionPool":{"status":"ok","total":10,"free":1,"queued":3}}}"#,
        )
        .unwrap();
        let d = HealthDetails::from_json(&body).unwrap();
        assert_eq!(d.level, Level::Degraded);
        assert_eq!(d.status.as_deref(), Some("degraded"));
        let db = d.database.unwrap();
        assert_eq!(
            (db.status.as_deref(), db.latency_ms),
            (Some("ok"), Some(4.0))
        );
        assert_eq!(d.memory_percent, Some(60.52));
        assert_eq!(
            d.pool,
            Some(Pool {
                free: Some(1),
                total: Some(10),
                queued: Some(3)
            })
        );
    }

    #[test]
    fn database_error_and_odd_shapes() {
        let body: Value = serde_json::from_str(
            r#"{"status":"unhealthy","checks":{"database":{"status":"error","error":"ECONNREFUSED"},"memory":"n/a"}}"#,
        )
        .unwrap();
        let d = HealthDetails::from_json(&body).unwrap();
        assert_eq!(d.level, Level::Unhealthy);
        let db = d.database.unwrap();
        assert_eq!(db.error.as_deref(), Some("ECONNREFUSED"));
        assert_eq!(db.latency_ms, None);
        assert_eq!(d.memory_percent, None);
        assert_eq!(d.pool, None);
        assert!(HealthDetails::from_json(&Value::from(3)).is_none());
    }
}
