//! The co-pilot, both ends. In `run`: a request from the socket becomes the
//! event the deployer's own key would journal, with the co-pilot's name as
//! its `by`, or an error answer; nothing a co-pilot asks ever runs a
//! command. In `join`: the checklist keys become requests, and the keys
//! that would run something say why they do nothing.

use crate::core::action::Cmd;
use crate::core::copilot::{Reply, Request};
use crate::core::effect::Effect;
use crate::core::event::{Event, Target};
use crate::core::modal::{Field, Modal};
use crate::core::outline::Row;
use crate::core::session::Mark;
use crate::core::state::State;
use crate::core::update::checklist::{cursor_target, open_input, submit};

/// Said wherever a co-pilot reaches for a command.
pub const NO_COMMANDS: &str = "a co-pilot cannot run commands";

/// `run`: carries out a co-pilot's request, or says why not.
pub fn request(state: &State, conn: u64, user: String, request: Request) -> Vec<Effect> {
    match event_for(state, request) {
        Ok((event, what)) => vec![
            Effect::JournalAs { by: user, event },
            Effect::Answer {
                conn,
                reply: Reply::Done { what },
            },
        ],
        Err(error) => vec![Effect::Answer {
            conn,
            reply: Reply::Error { error },
        }],
    }
}

fn event_for(state: &State, request: Request) -> Result<(Event, String), String> {
    let masked = |text: &str| state.settings.exec.masker.0.mask(text.trim()).into_owned();
    match request {
        Request::Tick { target } => {
            let row = row(state, target)?;
            if let Some(Mark::Done(s)) = state.session.marks.get(&target) {
                return Err(format!("{row}: already ticked by {}", s.by));
            }
            Ok((Event::Ticked { target }, format!("ticked {row}")))
        }
        Request::Untick { target } => {
            let row = row(state, target)?;
            if !state.session.marks.contains_key(&target) {
                return Err(format!("{row}: not ticked"));
            }
            Ok((Event::Unticked { target }, format!("unticked {row}")))
        }
        Request::NotApplicable { target, reason } => {
            let row = row(state, target)?;
            if reason.trim().is_empty() {
                return Err("a reason is required".into());
            }
            let reason = masked(&reason);
            Ok((
                Event::NotApplicable { target, reason },
                format!("{row}: not applicable"),
            ))
        }
        Request::Note { target, text } => {
            if let Some(t) = target {
                row(state, t)?;
            }
            if text.trim().is_empty() {
                return Err("the note is empty".into());
            }
            let text = masked(&text);
            Ok((Event::Noted { target, text }, "noted".into()))
        }
        Request::Rollback => {
            if state.session.rollback.is_some() {
                return Err("the rollback has already started".into());
            }
            Ok((Event::RollbackRequested {}, "rollback requested".into()))
        }
        Request::Run { .. } => Err(NO_COMMANDS.into()),
    }
}

/// The row's text, or why the target names none of this runbook's rows.
fn row(state: &State, target: Target) -> Result<String, String> {
    let rb = state.runbook();
    let row = match target {
        Target::Item(i) if i < rb.items.len() => Row::Item(i),
        Target::Step(s) if rb.sections.get(s).is_some_and(|x| x.runnable) => Row::Section(s),
        other => return Err(format!("no such checklist row: {other:?}")),
    };
    Ok(state.row_text(row).to_string())
}

/// `join`: what a key does in the co-pilot's mirror; `None` when the
/// mirror's own handling applies (moving, searching, help, quit).
pub fn command(state: &mut State, cmd: Cmd) -> Option<Vec<Effect>> {
    let send = |r: Request| Some(vec![Effect::Send(r)]);
    match cmd {
        Cmd::Tick => match cursor_target(state) {
            Some(target) if state.session.marks.contains_key(&target) => {
                send(Request::Untick { target })
            }
            Some(target) => send(Request::Tick { target }),
            // A heading that is not a step folds, as in the deployer's.
            None => None,
        },
        Cmd::NotApplicable => {
            match cursor_target(state) {
                Some(t) => open_input(state, Field::Reason(t)),
                None => state.ui.flash = Some("only items and steps can be not applicable".into()),
            }
            Some(Vec::new())
        }
        Cmd::Note => {
            let target = cursor_target(state);
            open_input(state, Field::Note(target));
            Some(Vec::new())
        }
        Cmd::Submit
            if matches!(
                state.ui.modal,
                Some(Modal::Input {
                    field: Field::Reason(_) | Field::Note(_),
                    ..
                })
            ) =>
        {
            let requests = submit(state)
                .into_iter()
                .filter_map(|e| match e {
                    Effect::Journal(Event::NotApplicable { target, reason }) => {
                        Some(Effect::Send(Request::NotApplicable { target, reason }))
                    }
                    Effect::Journal(Event::Noted { target, text }) => {
                        Some(Effect::Send(Request::Note { target, text }))
                    }
                    _ => None,
                })
                .collect();
            Some(requests)
        }
        Cmd::Rollback => {
            state.ui.flash = Some("rollback requested: the deployer's R y runs it".into());
            send(Request::Rollback)
        }
        c if crate::core::action::allowed_in_mirror(c) => None,
        _ => {
            state.ui.flash = Some(NO_COMMANDS.into());
            Some(Vec::new())
        }
    }
}

/// The co-pilot's rollback request still to show: until a rollback starts
/// or the deployer puts it away (`esc`).
pub fn pending_request(state: &State) -> Option<&crate::core::session::Stamp> {
    state
        .session
        .rollback_request
        .as_ref()
        .filter(|r| state.ui.request_dismissed != Some(r.at))
}

/// `join`: `run`'s answer, on the footer when it refused.
pub fn answer(state: &mut State, reply: Reply) {
    match reply {
        Reply::Error { error } | Reply::Refused { reason: error } => {
            state.ui.flash = Some(format!("refused: {error}"));
        }
        Reply::Done { .. } | Reply::Welcome { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::action::Action;
    use crate::core::plan::Plan;
    use crate::core::settings::Settings;
    use crate::core::update::update;

    const PLAN: &str =
        "# P\n\n## Deploy\n\n- [ ] Announce\n- [ ] Deploy\n  ```bash\n  echo hi\n  ```\n";

    fn state() -> State {
        let plan = Plan::new(crate::domain::runbook::parse(PLAN), PLAN);
        let settings = Settings::replay("erin".into(), "production".into(), "p.md".into());
        State::new(plan, settings, chrono::Utc::now())
    }

    #[test]
    fn the_co_pilots_keys_become_requests_and_command_keys_are_refused() {
        let mut s = state();
        s.read_only = true;
        s.copilot = true;
        update(&mut s, Action::Cmd(Cmd::Down));
        assert_eq!(
            update(&mut s, Action::Cmd(Cmd::Tick)),
            [Effect::Send(Request::Tick {
                target: Target::Item(0)
            })]
        );
        for cmd in [Cmd::Kill, Cmd::PinBaseline, Cmd::RunInTerminal] {
            assert_eq!(update(&mut s, Action::Cmd(cmd)), [], "{cmd:?}");
            assert_eq!(s.ui.flash.as_deref(), Some(NO_COMMANDS), "{cmd:?}");
        }
        update(&mut s, Action::Cmd(Cmd::Note));
        for c in "tag ok".chars() {
            update(&mut s, Action::Input(c));
        }
        assert_eq!(
            update(&mut s, Action::Cmd(Cmd::Submit)),
            [Effect::Send(Request::Note {
                target: Some(Target::Item(0)),
                text: "tag ok".into()
            })]
        );
        assert_eq!(
            update(&mut s, Action::Cmd(Cmd::Rollback)),
            [Effect::Send(Request::Rollback)]
        );
        // A plain mirror (`watch`) sends nothing.
        s.copilot = false;
        assert_eq!(update(&mut s, Action::Cmd(Cmd::Tick)), []);
    }

    #[test]
    fn a_request_is_journaled_as_the_co_pilot_or_answered_with_why_not() {
        let mut s = state();
        let ask = |s: &mut State, request| {
            update(
                s,
                Action::Copilot {
                    conn: 7,
                    user: "bob".into(),
                    request,
                },
            )
        };
        let e = ask(
            &mut s,
            Request::Tick {
                target: Target::Item(1),
            },
        );
        assert_eq!(
            e[0],
            Effect::JournalAs {
                by: "bob".into(),
                event: Event::Ticked {
                    target: Target::Item(1)
                }
            }
        );
        assert!(matches!(
            &e[1],
            Effect::Answer {
                conn: 7,
                reply: Reply::Done { .. }
            }
        ));
        let e = ask(
            &mut s,
            Request::Run {
                target: Target::Item(1),
            },
        );
        assert_eq!(
            e,
            [Effect::Answer {
                conn: 7,
                reply: Reply::Error {
                    error: NO_COMMANDS.into()
                }
            }]
        );
        // A mirror serves nobody.
        s.read_only = true;
        assert_eq!(ask(&mut s, Request::Rollback), []);
    }
}
