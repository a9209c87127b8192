//! Settings from a TOML file (`--config FILE`). Unknown top-level tables are
//! left for the issues that own them; `[keys]` is checked strictly, and every
//! error names the file and the key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::keys::Keymap;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Config {
    /// Shown in the header ("production"); else guessed from the runbook.
    pub environment: Option<String>,
    #[serde(default)]
    pub keys: BTreeMap<String, KeyList>,
}

/// `tick = "space"` or `down = ["j", "down"]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    fn to_vec(&self) -> Vec<String> {
        match self {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(ks) => ks.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let err = |message: String| ConfigError {
            path: name.clone(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        Config::parse(&text).map_err(err)
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| {
            // toml's message already names the key and line; keep it on one line.
            e.to_string().trim().replace('\n', " ")
        })?;
        config.keymap()?;
        Ok(config)
    }

    pub fn keymap(&self) -> Result<Keymap, String> {
        let overrides = self
            .keys
            .iter()
            .map(|(k, v)| (k.clone(), v.to_vec()))
            .collect();
        Keymap::with_overrides(&overrides)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_table_rebinds() {
        let c = Config::parse(
            "environment = \"staging\"\n[keys]\ntick = \"x\"\ndown = [\"j\", \"ctrl-n\"]\n",
        )
        .unwrap();
        assert_eq!(c.environment.as_deref(), Some("staging"));
        assert!(c.keymap().is_ok());
    }

    #[test]
    fn errors_name_the_key() {
        let e = Config::parse("[keys]\ntick = \"spcae\"\n").unwrap_err();
        assert!(e.contains("[keys] tick"), "{e}");
        let e = Config::parse("[keys]\ntick = 3\n").unwrap_err();
        assert!(e.contains("tick"), "{e}");
    }
}
