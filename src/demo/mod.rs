//! `rollout-cockpit demo`: the whole story on one machine, no network. A
//! simulated TERP service on 127.0.0.1 ([`service`]), stand-ins for the
//! plan's tools ([`tools`]), the values the plan expects ([`env`]), and a
//! profile that points the plan's production URLs at the simulator.

pub mod env;
pub mod metrics;
pub mod service;
pub mod tools;
pub mod traffic;

use std::collections::BTreeMap;
use std::time::Duration;

pub use service::{Bound, Scenario, ScenarioConfig, Service, ServiceHandle, Snapshot};

use crate::domain::profile::Profile;

/// The host the bundled TERP plan's commands and health check use.
pub const PLAN_HOST: &str = "api.production.terp-app.local";
/// The demo's log stream: the `railway` stand-in follows the simulator's.
pub const LOG_COMMAND: &str = "railway logs --environment production";

/// The bundled plan's health endpoint.
pub const PLAN_HEALTH_URL: &str = "https://api.production.terp-app.local/health";
/// The demo probes often, so that its baseline is ready within seconds.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(250);

/// The demo's profile: the plan's `https://api.production.terp-app.local`
/// becomes the simulator's `http://127.0.0.1:PORT`.
pub fn profile(service_url: &str) -> Result<Profile, String> {
    let rewrite = BTreeMap::from([(PLAN_HOST.to_string(), service_url.to_string())]);
    Profile::new("demo", &rewrite)
}
