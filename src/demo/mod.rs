//! `rollout-cockpit demo`: the whole story on one machine, no network. A
//! simulated TERP service on 127.0.0.1 ([`service`]), stand-ins for the
//! plan's tools ([`tools`]), and the environment the plan expects.

pub mod env;
pub mod service;
pub mod tools;

pub use service::{Scenario, ScenarioConfig, Service, ServiceHandle, Snapshot};
