//! The co-pilot, both ends. In `run`: a request from the socket becomes the
//! event the deployer's own key would journal, with the co-pilot's name as
//! its `by`, or an error answer; nothing a co-pilot asks runs a deployment
//! command, and the rollback only when `[team] copilot_may_roll_back` says
//! they may. An approval needs someone other than the deployer. In `join`:
//! the checklist keys become requests, the rollback's questions come from
//! the journal, and the keys that would run something say why they do
//! nothing.

use crate::core::action::Cmd;
use crate::core::copilot::{Answer, Reply, Request};
use crate::core::effect::Effect;
use crate::core::event::{Event, Target};
use crate::core::modal::{Ask, Field, Modal};
use crate::core::outline::Row;
use crate::core::session::Mark;
use crate::core::state::State;
use crate::core::update::checklist::{cursor_target, open_input, submit};
use crate::core::update::rollback;

/// Said wherever a co-pilot reaches for a command.
pub const NO_COMMANDS: &str = "a co-pilot cannot run commands";

/// Who sent a request, as `run`'s socket knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The kernel's name for the peer's uid.
    pub user: String,
    /// The peer runs as the deployer's own uid.
    pub same_uid: bool,
}

/// `run`: carries out a co-pilot's request, or says why not.
pub fn request(state: &mut State, conn: u64, peer: Peer, request: Request) -> Vec<Effect> {
    let reply = |reply| Effect::Answer { conn, reply };
    let acted = match request {
        Request::RunRollback { procedure } => run_rollback(state, &peer, procedure)
            .map(|effects| (effects, "rollback started".to_string())),
        Request::Answer { ask, answer } => answer_rollback(state, &peer, ask, answer),
        other => event_for(state, &peer, other).map(|(event, what)| {
            let by = peer.user.clone();
            (vec![Effect::JournalAs { by, event }], what)
        }),
    };
    match acted {
        Ok((mut effects, what)) => {
            effects.push(reply(Reply::Done { what }));
            effects
        }
        Err(error) => vec![reply(Reply::Error { error })],
    }
}

/// The rollback's own records a co-pilot's decision writes carry their
/// name; the commands it runs stay the deployer's cockpit's.
fn as_copilot(effects: Vec<Effect>, peer: &Peer) -> Vec<Effect> {
    effects
        .into_iter()
        .map(|e| match e {
            Effect::Journal(
                event @ (Event::RollbackStarted { .. }
                | Event::RollbackChoice { .. }
                | Event::RollbackStep { .. }
                | Event::RollbackFinished { .. }),
            ) => Effect::JournalAs {
                by: peer.user.clone(),
                event,
            },
            other => other,
        })
        .collect()
}

/// A co-pilot's answer to the question the deployer's screen shows, when
/// `[team] copilot_may_roll_back` lets them run the rollback.
fn answer_rollback(
    state: &mut State,
    peer: &Peer,
    ask: Ask,
    answer: Answer,
) -> Result<(Vec<Effect>, String), String> {
    if !state.settings.team.copilot_may_roll_back {
        return Err(
            "only the deployer answers the rollback here ([team] copilot_may_roll_back is off)"
                .into(),
        );
    }
    if state.ui.modal != Some(Modal::Ask(ask)) {
        return Err("the rollback is not asking that now".into());
    }
    let flash = state.ui.flash.take();
    let (effects, what) = match answer {
        Answer::Pick(k) => (
            rollback::choose(state, ask, k),
            format!("picked option {}", k + 1),
        ),
        Answer::Yes => (rollback::answer(state, ask, Cmd::Confirm), "went on".into()),
        Answer::Skip => (
            rollback::answer(state, ask, Cmd::Skip),
            "skipped the step".into(),
        ),
        Answer::Retry => (rollback::answer(state, ask, Cmd::Retry), "retried".into()),
        Answer::Abort => (
            rollback::answer(state, ask, Cmd::Abort),
            "aborted the rollback".into(),
        ),
    };
    if state.ui.modal == Some(Modal::Ask(ask)) {
        state.ui.flash = flash;
        return Err(format!("{answer:?} does not answer this question"));
    }
    state.ui.flash = Some(format!("rollback: {} {what}", peer.user));
    Ok((as_copilot(effects, peer), what))
}

/// `join`: the question the rollback waits on, as the journal tells it
/// (the deployer's cockpit refuses an answer to another); `None` while a
/// rollback command runs, or when this co-pilot may not answer.
pub fn question(state: &State) -> Option<Ask> {
    if !state.settings.team.copilot_may_roll_back {
        return None;
    }
    waiting(state)
}

/// The question an unfinished rollback waits on, as the journal tells it:
/// what a mirror says the deployer is being asked.
pub fn waiting(state: &State) -> Option<Ask> {
    let d = rollback::interrupted(state)?;
    let running = state
        .session
        .runs
        .list
        .iter()
        .any(|r| r.rollback_step.is_some() && r.running());
    if running {
        return None;
    }
    if d.unknown || d.stopped_failed {
        return Some(Ask::Failed(d.step));
    }
    let step = state.runbook().procedure(d.procedure)?.steps.get(d.step)?;
    match step.kind {
        crate::domain::runbook::StepKind::Choice if d.chosen.is_none() => Some(Ask::Choice(d.step)),
        crate::domain::runbook::StepKind::Optional if !d.asked => Some(Ask::Optional(d.step)),
        _ => None,
    }
}

/// A question in a few words, for a mirror's footer.
pub fn waiting_text(ask: Ask) -> String {
    match ask {
        Ask::Choice(i) => format!("which alternative at step {}", i + 1),
        Ask::Optional(i) => format!("whether to run step {} (optional)", i + 1),
        Ask::Failed(i) => format!("step {} failed: retry, skip or abort", i + 1),
        Ask::Resume(i) => format!("whether to go on at step {}", i + 1),
    }
}

/// `join`: opens the rollback's question when one is asked (unless put
/// away, or another window is open), closes it once answered.
pub fn sync_question(state: &mut State) {
    let asked = question(state);
    if asked.is_none() {
        // The same question asked again later (a retry failed again) is new.
        state.ui.question_dismissed = None;
    }
    match state.ui.modal {
        Some(Modal::Ask(open)) if Some(open) != asked => state.ui.modal = None,
        None if asked.is_some() && asked != state.ui.question_dismissed => {
            state.ui.modal = asked.map(Modal::Ask);
        }
        _ => {}
    }
}

/// `join`: a key in the rollback's question: an answer for the deployer's
/// cockpit, or `esc` to put it away.
fn ask_command(state: &mut State, ask: Ask, cmd: Cmd) -> Option<Vec<Effect>> {
    let answer = match cmd {
        Cmd::Confirm => Answer::Yes,
        Cmd::Skip => Answer::Skip,
        Cmd::Retry => Answer::Retry,
        Cmd::Abort => Answer::Abort,
        Cmd::Cancel => {
            state.ui.modal = None;
            state.ui.question_dismissed = Some(ask);
            return Some(Vec::new());
        }
        _ => return None,
    };
    Some(send_answer(state, ask, answer))
}

fn send_answer(state: &mut State, ask: Ask, answer: Answer) -> Vec<Effect> {
    state.ui.modal = None;
    state.ui.flash = Some("answer sent: the deployer's cockpit goes on".into());
    vec![Effect::Send(Request::Answer { ask, answer })]
}

/// `join`: `1`..`9` in the rollback's question.
pub fn choose(state: &mut State, ask: Ask, option: usize) -> Vec<Effect> {
    send_answer(state, ask, Answer::Pick(option))
}

/// Why `peer` cannot be the second person an approval needs, if they
/// cannot: the deployer themselves, under their name or their account.
fn not_a_second_person(state: &State, peer: &Peer) -> Option<String> {
    if peer.same_uid {
        Some(format!(
            "{} is the account the deployer's cockpit runs as: an approval needs another \
             user",
            peer.user
        ))
    } else if peer.user == state.settings.operator {
        Some(format!(
            "{} is the deployer: an approval needs someone else",
            peer.user
        ))
    } else {
        None
    }
}

fn event_for(state: &State, peer: &Peer, request: Request) -> Result<(Event, String), String> {
    let masked = |text: &str| state.settings.exec.masker.0.mask(text.trim()).into_owned();
    match request {
        Request::Tick { target } => {
            let row = row(state, target)?;
            if let Some(Mark::Done(s)) = state.session.marks.get(&target) {
                return Err(format!("{row}: already ticked by {}", s.by));
            }
            if state.needs_second_person(target)
                && let Some(why) = not_a_second_person(state, peer)
            {
                return Err(format!("{row}: {why}"));
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
        Request::Approve => {
            if !state.emergency_pending() {
                return Err(
                    "nothing waits for an approval (no emergency deployment pending)".into(),
                );
            }
            if let Some(why) = not_a_second_person(state, peer) {
                return Err(why);
            }
            Ok((
                Event::EmergencyApproved {},
                "emergency deployment approved".into(),
            ))
        }
        Request::Criterion { criterion } => {
            match state.session.health.engine.checks.get(criterion) {
                Some(c) if c.kind == crate::domain::monitor::criteria::Kind::Manual => Ok((
                    Event::CriterionToggled { criterion },
                    format!("toggled {}", c.text),
                )),
                Some(c) => Err(format!(
                    "{}: measured criteria follow the numbers; only manual ones toggle",
                    c.text
                )),
                None => Err(format!("no criterion #{criterion}")),
            }
        }
        Request::Run { .. } => Err(NO_COMMANDS.into()),
        Request::RunRollback { .. } | Request::Answer { .. } => {
            Err("not a record of its own".into())
        }
    }
}

/// A co-pilot's `R` `y`, when `[team] copilot_may_roll_back` lets them:
/// what the deployer's own would do, journaled with their name.
fn run_rollback(state: &mut State, peer: &Peer, procedure: usize) -> Result<Vec<Effect>, String> {
    if !state.settings.team.copilot_may_roll_back {
        return Err(
            "only the deployer runs the rollback in this session ([team] copilot_may_roll_back \
             is off): R asks them"
                .into(),
        );
    }
    if rollback::in_progress(state) {
        return Err("the rollback has already started".into());
    }
    if state.runbook().procedure(procedure).is_none() {
        return Err(format!(
            "this runbook has no rollback procedure #{procedure}"
        ));
    }
    state.ui.rollback_procedure = procedure;
    let effects = as_copilot(rollback::fire(state), peer);
    state.ui.flash = Some(format!("{} started the rollback", peer.user));
    Ok(effects)
}

/// The row's text, or why the target names none of this runbook's rows.
fn row(state: &State, target: Target) -> Result<String, String> {
    let rb = state.runbook();
    let row = match target {
        Target::Item(i) if i < rb.items.len() => Row::from(target),
        Target::Step(s) if rb.sections.get(s).is_some_and(|x| x.runnable) => Row::from(target),
        other => return Err(format!("no such checklist row: {other:?}")),
    };
    Ok(state.row_text(row).to_string())
}

/// `join`: what a key does in the co-pilot's mirror; `None` when the
/// mirror's own handling applies (moving, searching, help, quit).
pub fn command(state: &mut State, cmd: Cmd) -> Option<Vec<Effect>> {
    let send = |r: Request| Some(vec![Effect::Send(r)]);
    if let Some(Modal::Ask(ask)) = state.ui.modal
        && let Some(effects) = ask_command(state, ask, cmd)
    {
        return Some(effects);
    }
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
        // The config lets this co-pilot run the rollback: the same red
        // confirm as the deployer's, every command on it, before `y`.
        Cmd::Rollback if state.settings.team.copilot_may_roll_back => {
            // A rollback waiting on a question: that question again.
            match question(state) {
                Some(ask) => {
                    state.ui.question_dismissed = None;
                    state.ui.modal = Some(Modal::Ask(ask));
                }
                None => rollback::open(state),
            }
            Some(Vec::new())
        }
        Cmd::Rollback => {
            state.ui.flash = Some("rollback requested: the deployer's R y runs it".into());
            send(Request::Rollback)
        }
        Cmd::Confirm => match state.ui.modal {
            Some(Modal::Rollback) => {
                state.ui.modal = None;
                state.ui.flash = Some("rollback sent: the deployer's cockpit runs it".into());
                send(Request::RunRollback {
                    procedure: state.ui.rollback_procedure,
                })
            }
            _ => Some(Vec::new()),
        },
        Cmd::FocusNext => {
            if matches!(state.ui.modal, Some(Modal::Rollback)) {
                rollback::cycle_procedure(state);
            } else {
                crate::core::update::health::focus_next(state);
            }
            Some(Vec::new())
        }
        Cmd::Approve if state.emergency_pending() => {
            state.ui.flash = Some("approval sent".into());
            send(Request::Approve)
        }
        Cmd::Approve => {
            state.ui.flash = Some("nothing waits for your approval".into());
            Some(Vec::new())
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
            // An answer refused: the question, if still asked, again.
            sync_question(state);
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
                    same_uid: false,
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

    /// The bundled plan: approvals, a rollback, manual criteria.
    fn terp() -> State {
        let text = crate::domain::runbook::BUNDLED;
        let plan = Plan::new(crate::domain::runbook::parse(text), text);
        let settings = Settings::replay("erin".into(), "production".into(), "p.md".into());
        State::new(plan, settings, chrono::Utc::now())
    }

    fn item(s: &State, text: &str) -> Target {
        let i = s.runbook().items.iter().position(|i| i.text == text);
        Target::Item(i.expect(text))
    }

    fn ask(s: &mut State, user: &str, same_uid: bool, request: Request) -> Vec<Effect> {
        update(
            s,
            Action::Copilot {
                conn: 1,
                user: user.into(),
                same_uid,
                request,
            },
        )
    }

    fn refusal(effects: &[Effect]) -> String {
        match effects {
            [
                Effect::Answer {
                    reply: Reply::Error { error },
                    ..
                },
            ] => error.clone(),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn an_approval_is_ticked_by_a_second_person_only() {
        let mut s = terp();
        let approval = item(&s, "Technical lead approval");
        let tick = Request::Tick { target: approval };
        // The deployer's own account, whatever its name.
        let e = refusal(&ask(&mut s, "root", true, tick.clone()));
        assert!(e.contains("account the deployer's cockpit runs as"), "{e}");
        // The deployer's name from another account.
        let e = refusal(&ask(&mut s, "erin", false, tick.clone()));
        assert!(e.contains("erin is the deployer"), "{e}");
        let e = ask(&mut s, "bob", false, tick);
        assert_eq!(
            e[0],
            Effect::JournalAs {
                by: "bob".into(),
                event: Event::Ticked { target: approval }
            }
        );
        // A plain row is anyone's to tick.
        let plain = item(&s, "Business stakeholder notification");
        let e = ask(&mut s, "root", true, Request::Tick { target: plain });
        assert!(matches!(e[0], Effect::JournalAs { .. }), "{e:?}");
    }

    #[test]
    fn an_emergency_waits_for_a_co_pilots_approval_and_the_rollback_never_does() {
        let mut s = terp();
        s.settings.team.emergency = true;
        s.settings.team.members = vec!["bob".into()];
        let step = s
            .runbook()
            .sections
            .iter()
            .position(|x| x.title.starts_with("Step 4"))
            .unwrap();
        s.ui.cursor = Some(Row::Section(step));
        assert_eq!(update(&mut s, Action::Cmd(Cmd::Open)), []);
        assert!(s.ui.modal.is_none());
        assert_eq!(
            s.ui.flash.as_deref(),
            Some(crate::core::update::runs::EMERGENCY_WAITS)
        );
        // The deployer cannot approve it, nor their own account.
        update(&mut s, Action::Cmd(Cmd::Approve));
        assert!(s.ui.flash.as_deref().unwrap_or("").contains("co-pilot"));
        let e = refusal(&ask(&mut s, "erin", false, Request::Approve));
        assert!(e.contains("deployer"), "{e}");
        let e = ask(&mut s, "bob", false, Request::Approve);
        assert_eq!(
            e[0],
            Effect::JournalAs {
                by: "bob".into(),
                event: Event::EmergencyApproved {}
            }
        );
        // Once journaled (declared, then approved), the confirm opens.
        let rec = |seq, by: &str, event| crate::core::event::Record {
            seq,
            ts: chrono::Utc::now(),
            by: by.into(),
            event,
        };
        update(
            &mut s,
            Action::Journaled(rec(1, "erin", Event::EmergencyDeclared {})),
        );
        assert!(s.emergency_pending());
        update(
            &mut s,
            Action::Journaled(rec(2, "bob", Event::EmergencyApproved {})),
        );
        assert!(!s.emergency_pending());
        let e = refusal(&ask(&mut s, "bob", false, Request::Approve));
        assert!(e.contains("nothing waits"), "{e}");
        update(&mut s, Action::Cmd(Cmd::Open));
        assert!(
            matches!(s.ui.modal, Some(Modal::Run(_))),
            "{:?}",
            s.ui.flash
        );

        // A fresh emergency: the rollback's command runs all the same.
        let mut s = terp();
        s.settings.team.emergency = true;
        update(&mut s, Action::Cmd(Cmd::Rollback));
        let e = update(&mut s, Action::Cmd(Cmd::Confirm));
        assert!(
            e.iter().any(|e| matches!(e, Effect::Spawn(_))),
            "the rollback ran nothing: {e:?}"
        );
    }

    #[test]
    fn a_co_pilot_fires_a_manual_criterion_and_runs_the_rollback_only_when_let() {
        let mut s = terp();
        let manual = s
            .session
            .health
            .engine
            .checks
            .iter()
            .position(|c| c.kind == crate::domain::monitor::criteria::Kind::Manual)
            .unwrap();
        let e = ask(
            &mut s,
            "bob",
            false,
            Request::Criterion { criterion: manual },
        );
        assert_eq!(
            e[0],
            Effect::JournalAs {
                by: "bob".into(),
                event: Event::CriterionToggled { criterion: manual }
            }
        );
        let measured = s
            .session
            .health
            .engine
            .checks
            .iter()
            .position(|c| c.kind != crate::domain::monitor::criteria::Kind::Manual)
            .unwrap();
        let e = refusal(&ask(
            &mut s,
            "bob",
            false,
            Request::Criterion {
                criterion: measured,
            },
        ));
        assert!(e.contains("only manual ones toggle"), "{e}");

        let run = Request::RunRollback { procedure: 0 };
        let e = refusal(&ask(&mut s, "bob", false, run.clone()));
        assert!(e.contains("copilot_may_roll_back"), "{e}");
        s.settings.team.copilot_may_roll_back = true;
        let e = ask(&mut s, "bob", false, run.clone());
        assert!(
            matches!(&e[0], Effect::JournalAs { by, event: Event::RollbackStarted { .. } } if by == "bob"),
            "{e:?}"
        );
        assert!(e.iter().any(|e| matches!(e, Effect::Spawn(_))), "{e:?}");
        let e = refusal(&ask(&mut s, "bob", false, run));
        assert!(e.contains("already started"), "{e}");
    }

    #[test]
    fn in_join_r_opens_the_confirm_when_the_co_pilot_may_roll_back() {
        let mut s = terp();
        s.read_only = true;
        s.copilot = true;
        s.settings.team.copilot_may_roll_back = true;
        assert_eq!(update(&mut s, Action::Cmd(Cmd::Rollback)), []);
        assert_eq!(s.ui.modal, Some(Modal::Rollback));
        assert_eq!(
            update(&mut s, Action::Cmd(Cmd::Confirm)),
            [Effect::Send(Request::RunRollback { procedure: 0 })]
        );
        // The criteria focus: space on a manual criterion ("Critical
        // functionality broken", the first) is a request, not a record.
        update(&mut s, Action::Cmd(Cmd::FocusNext));
        assert_eq!(
            update(&mut s, Action::Cmd(Cmd::ToggleCriterion)),
            [Effect::Send(Request::Criterion { criterion: 0 })]
        );
    }

    const CHOICE: &str = "# P\n\n## Deploy\n\n- [ ] Deploy\n\n## Rollback Procedure\n\n### Step 1: Revert\n\n#### Option A: Revert the commit\n\n```bash\necho revert\n```\n\n#### Option B: Redeploy the previous tag\n\n```bash\necho redeploy\n```\n";

    fn choice_state() -> State {
        let plan = Plan::new(crate::domain::runbook::parse(CHOICE), CHOICE);
        let mut settings = Settings::replay("erin".into(), "production".into(), "p.md".into());
        settings.team.copilot_may_roll_back = true;
        State::new(plan, settings, chrono::Utc::now())
    }

    fn answer(ask_: Ask, answer: Answer) -> Request {
        Request::Answer { ask: ask_, answer }
    }

    /// The deployer's cockpit waits on "which alternative?": a let co-pilot
    /// answers it, journaled with their name, and only the picked one runs;
    /// an answer to a question not asked, or one that is no answer, is
    /// refused and leaves the question open.
    #[test]
    fn a_let_co_pilot_answers_the_rollbacks_question() {
        let mut s = choice_state();
        update(&mut s, Action::Cmd(Cmd::Rollback));
        update(&mut s, Action::Cmd(Cmd::Confirm));
        assert_eq!(s.ui.modal, Some(Modal::Ask(Ask::Choice(0))));
        let e = refusal(&ask(
            &mut s,
            "bob",
            false,
            answer(Ask::Optional(0), Answer::Yes),
        ));
        assert!(e.contains("not asking that now"), "{e}");
        let e = refusal(&ask(
            &mut s,
            "bob",
            false,
            answer(Ask::Choice(0), Answer::Pick(5)),
        ));
        assert!(e.contains("does not answer"), "{e}");
        assert_eq!(s.ui.modal, Some(Modal::Ask(Ask::Choice(0))));
        let e = ask(
            &mut s,
            "bob",
            false,
            answer(Ask::Choice(0), Answer::Pick(1)),
        );
        assert!(
            matches!(&e[0], Effect::JournalAs { by, event: Event::RollbackChoice { option: Some(1), .. } } if by == "bob"),
            "{e:?}"
        );
        let spawned: Vec<&str> = e
            .iter()
            .filter_map(|e| match e {
                Effect::Spawn(sp) => Some(sp.code.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(spawned.len(), 1, "{e:?}");
        assert!(spawned[0].contains("echo redeploy") && !spawned[0].contains("echo revert"));
        assert!(s.ui.modal.is_none());
        // Without the config's leave, the question is the deployer's.
        let mut s = choice_state();
        s.settings.team.copilot_may_roll_back = false;
        update(&mut s, Action::Cmd(Cmd::Rollback));
        update(&mut s, Action::Cmd(Cmd::Confirm));
        let e = refusal(&ask(
            &mut s,
            "bob",
            false,
            answer(Ask::Choice(0), Answer::Pick(0)),
        ));
        assert!(e.contains("copilot_may_roll_back is off"), "{e}");
    }

    /// In `join`, the question comes from the journal: it opens when the
    /// rollback waits on it, a digit sends the answer, `esc` puts it away
    /// until another is asked, and it closes once a command runs.
    #[test]
    fn in_join_the_rollbacks_question_opens_from_the_journal() {
        let mut s = choice_state();
        s.read_only = true;
        s.copilot = true;
        let mut seq = 0;
        let mut record = |s: &mut State, event: Event| {
            seq += 1;
            update(
                s,
                Action::Journaled(crate::core::event::Record {
                    seq,
                    ts: chrono::Utc::now(),
                    by: "erin".into(),
                    event,
                }),
            );
        };
        record(
            &mut s,
            Event::RollbackStarted {
                trigger: "manual".into(),
                metrics: Default::default(),
                procedure: 0,
                automatic_after_s: None,
            },
        );
        assert_eq!(s.ui.modal, Some(Modal::Ask(Ask::Choice(0))));
        update(&mut s, Action::Cmd(Cmd::Cancel));
        assert!(s.ui.modal.is_none());
        record(
            &mut s,
            Event::Noted {
                target: None,
                text: "x".into(),
            },
        );
        assert!(s.ui.modal.is_none(), "put away stays away");
        // R brings it back; 2 picks the second alternative.
        update(&mut s, Action::Cmd(Cmd::Rollback));
        assert_eq!(s.ui.modal, Some(Modal::Ask(Ask::Choice(0))));
        assert_eq!(
            update(&mut s, Action::Choose(1)),
            [Effect::Send(answer(Ask::Choice(0), Answer::Pick(1)))]
        );
        record(
            &mut s,
            Event::RollbackChoice {
                step: 0,
                option: Some(1),
                title: "Option B".into(),
            },
        );
        assert!(s.ui.modal.is_none());
        // Without the leave, nothing is asked of this co-pilot.
        s.settings.team.copilot_may_roll_back = false;
        assert_eq!(question(&s), None);
    }
}
