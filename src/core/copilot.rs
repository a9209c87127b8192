//! The co-pilot protocol: what `join` asks of `run` over the session's Unix
//! socket, one JSON object a line, each with `"v": 1`. Who asks is never in
//! a line: `run` takes it from the kernel (the socket peer's uid), so a
//! `"user"` field, or any other unknown one, is ignored.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::event::Target;

/// The protocol's version; a line with another is answered with an error.
pub const VERSION: u64 = 1;

/// The socket's file name in the session directory.
pub const SOCKET: &str = "copilot.sock";

/// What a co-pilot may ask for; targets are named as the journal names
/// them (`{"item": 3}`, `{"step": 2}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "req", rename_all = "snake_case")]
pub enum Request {
    Tick {
        target: Target,
    },
    Untick {
        target: Target,
    },
    NotApplicable {
        target: Target,
        reason: String,
    },
    Note {
        #[serde(default)]
        target: Option<Target>,
        text: String,
    },
    /// Asks the deployer to roll back; never runs it.
    Rollback,
    /// Runs the rollback (procedure `procedure`, as the co-pilot's confirm
    /// showed it): only with `[team] copilot_may_roll_back = true`.
    RunRollback {
        #[serde(default)]
        procedure: usize,
    },
    /// Answers the question the rollback waits on (with `[team]
    /// copilot_may_roll_back`), naming it: refused if another is asked.
    Answer {
        ask: crate::core::modal::Ask,
        answer: Answer,
    },
    /// Approves an emergency deployment (`run --emergency`): the deployer's
    /// first command waits for it.
    Approve,
    /// Fires or clears a manual rollback criterion (its index in the
    /// runbook's criteria).
    Criterion {
        criterion: usize,
    },
    /// Named so that it can be refused with the reason: a co-pilot never
    /// runs a command.
    Run {
        target: Target,
    },
}

impl Request {
    /// The request as one line (no newline), with the version.
    pub fn line(&self) -> String {
        versioned(serde_json::to_value(self).unwrap_or(Value::Null))
    }
}

/// A co-pilot's answer to the rollback's question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// `y`: run the optional step, go on after a resume.
    Yes,
    /// `n`/`s`: skip the step.
    Skip,
    /// `r`: run the failed command again.
    Retry,
    /// `a`: stop the rollback here.
    Abort,
    /// `1`..`9`: the alternative (0-based).
    Pick(usize),
}

/// What `run` answers, one line each: the greeting, then one answer a
/// request, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// Let in: the name the kernel gave, which every record will carry;
    /// whether this co-pilot's `R` `y` runs the rollback (else it asks).
    Welcome {
        user: String,
        #[serde(default)]
        may_roll_back: bool,
    },
    /// Not let in; the connection is closed after this line.
    Refused { reason: String },
    /// The request was accepted: its record goes to the journal now, and
    /// the co-pilot's screen shows it once it is there (from the journal,
    /// like the deployer's).
    Done { what: String },
    /// The request was not carried out (bad line, refused); the connection
    /// stays.
    Error { error: String },
}

impl Reply {
    pub fn line(&self) -> String {
        versioned(serde_json::to_value(self).unwrap_or(Value::Null))
    }

    pub fn parse(line: &str) -> Result<Reply, String> {
        serde_json::from_value(object(line)?).map_err(|e| format!("bad reply: {e}"))
    }
}

fn versioned(mut v: Value) -> String {
    if let Value::Object(map) = &mut v {
        map.insert("v".into(), Value::from(VERSION));
    }
    v.to_string()
}

/// A line's JSON object, its version checked.
fn object(line: &str) -> Result<Value, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    match v.get("v").and_then(Value::as_u64) {
        Some(VERSION) => Ok(v),
        Some(other) => Err(format!(
            "protocol version {other} is not supported (this cockpit speaks {VERSION})"
        )),
        None => Err(format!("no \"v\" field (the protocol version, {VERSION})")),
    }
}

/// One request line; the error is what the co-pilot is told.
pub fn parse(line: &str) -> Result<Request, String> {
    let v = object(line)?;
    let name = v.get("req").and_then(Value::as_str).map(str::to_string);
    serde_json::from_value(v).map_err(|e| match name {
        Some(n) if e.to_string().contains("unknown variant") => {
            format!(
                "unknown request {n:?} (tick, untick, not_applicable, note, rollback, \
                 run_rollback, answer, approve, criterion)"
            )
        }
        _ => format!("bad request: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_and_bad_lines_say_why() {
        assert_eq!(
            parse(r#"{"v":1,"req":"tick","target":{"item":3}}"#),
            Ok(Request::Tick {
                target: Target::Item(3)
            })
        );
        // Who asks is the kernel's to say: a claimed name is ignored.
        assert_eq!(
            parse(r#"{"v":1,"req":"rollback","user":"mallory"}"#),
            Ok(Request::Rollback)
        );
        assert_eq!(
            parse(r#"{"v":1,"req":"run_rollback"}"#),
            Ok(Request::RunRollback { procedure: 0 })
        );
        assert_eq!(
            parse(r#"{"v":1,"req":"answer","ask":{"choice":2},"answer":{"pick":1}}"#),
            Ok(Request::Answer {
                ask: crate::core::modal::Ask::Choice(2),
                answer: Answer::Pick(1)
            })
        );
        assert_eq!(
            parse(r#"{"v":1,"req":"criterion","criterion":2}"#),
            Ok(Request::Criterion { criterion: 2 })
        );
        // A greeting from a cockpit before `may_roll_back` existed.
        assert_eq!(
            Reply::parse(r#"{"v":1,"reply":"welcome","user":"bob"}"#),
            Ok(Reply::Welcome {
                user: "bob".into(),
                may_roll_back: false
            })
        );
        assert_eq!(
            parse(r#"{"v":1,"req":"note","text":"hi"}"#),
            Ok(Request::Note {
                target: None,
                text: "hi".into()
            })
        );
        let e = parse("{tick").unwrap_err();
        assert!(e.starts_with("not JSON"), "{e}");
        let e = parse(r#"{"v":2,"req":"tick","target":{"item":3}}"#).unwrap_err();
        assert!(e.contains("version 2 is not supported"), "{e}");
        let e = parse(r#"{"req":"tick","target":{"item":3}}"#).unwrap_err();
        assert!(e.contains("no \"v\""), "{e}");
        let e = parse(r#"{"v":1,"req":"deploy"}"#).unwrap_err();
        assert!(e.contains("unknown request \"deploy\""), "{e}");
        let e = parse(r#"{"v":1,"req":"tick"}"#).unwrap_err();
        assert!(e.contains("target"), "{e}");
        let e = parse("[1]").unwrap_err();
        assert!(e.contains("not a JSON object"), "{e}");
    }

    #[test]
    fn lines_carry_the_version_and_read_back() {
        let r = Request::NotApplicable {
            target: Target::Step(2),
            reason: "no schema change".into(),
        };
        let line = r.line();
        assert!(line.contains(r#""v":1"#), "{line}");
        assert_eq!(parse(&line), Ok(r));
        let reply = Reply::Welcome {
            user: "bob".into(),
            may_roll_back: true,
        };
        assert_eq!(Reply::parse(&reply.line()), Ok(reply));
    }
}
