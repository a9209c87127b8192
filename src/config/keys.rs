//! The keymap is data: `(mode, key) -> command`. The footer hints and the help
//! overlay are built from it, and a config's `[keys]` table rebinds it, so
//! what the screen says is always what the keys do.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::core::action::{Action, Cmd};
use crate::core::screen::Mode;

/// A key as the config spells it: `j`, `G`, `space`, `enter`, `ctrl-c`...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    const fn plain(code: KeyCode) -> Key {
        Key { code, ctrl: false }
    }

    const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    /// Parses a config spelling; `None` names nothing we know.
    pub fn parse(s: &str) -> Option<Key> {
        let lower = s.to_ascii_lowercase();
        if let Some(rest) = lower
            .strip_prefix("ctrl-")
            .or_else(|| lower.strip_prefix("c-"))
        {
            let mut chars = rest.chars();
            return match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_alphabetic() => Some(Key {
                    code: KeyCode::Char(c),
                    ctrl: true,
                }),
                _ => None,
            };
        }
        let code = match lower.as_str() {
            "space" => KeyCode::Char(' '),
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            _ => {
                // Single characters keep their case: `g` and `G` differ.
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => KeyCode::Char(c),
                    _ => return None,
                }
            }
        };
        Some(Key::plain(code))
    }

    /// The key a terminal event means. Shift is dropped for characters: the
    /// character itself already says `G` or `?`.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        Key {
            code: ev.code,
            ctrl,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    pub mode: Mode,
    pub key: Key,
    pub cmd: Cmd,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
    /// A mirror's keys that would change the session: left out of help and
    /// footer, but still recognised so the screen can say why nothing happens.
    refused: Vec<Binding>,
}

/// The default bindings, in help order.
const DEFAULTS: &[(Mode, Key, Cmd)] = {
    use Cmd::*;
    use KeyCode as K;
    use Mode::*;
    &[
        (Normal, Key::ch('j'), Down),
        (Normal, Key::plain(K::Down), Down),
        (Normal, Key::ch('k'), Up),
        (Normal, Key::plain(K::Up), Up),
        (Normal, Key::plain(K::PageDown), PageDown),
        (Normal, Key::plain(K::PageUp), PageUp),
        (Normal, Key::ch('g'), Top),
        (Normal, Key::plain(K::Home), Top),
        (Normal, Key::ch('G'), Bottom),
        (Normal, Key::plain(K::End), Bottom),
        (Normal, Key::ch('{'), PrevSection),
        (Normal, Key::ch('}'), NextSection),
        (Normal, Key::plain(K::Left), Collapse),
        (Normal, Key::plain(K::Right), Expand),
        (Normal, Key::ch(' '), Tick),
        (Normal, Key::ch('s'), NotApplicable),
        (Normal, Key::ch('o'), Note),
        (Normal, Key::plain(K::Enter), Open),
        (Normal, Key::ch('/'), Search),
        (Normal, Key::ch('n'), SearchNext),
        (Normal, Key::ch('N'), SearchPrev),
        (Normal, Key::ch('l'), ToggleLog),
        (Normal, Key::ch('L'), ZoomLogs),
        (Logs, Key::ch('f'), Follow),
        (Logs, Key::plain(K::End), Follow),
        (Normal, Key::ch('b'), PinBaseline),
        (Normal, Key::plain(K::Tab), FocusNext),
        (Criteria, Key::ch(' '), ToggleCriterion),
        (Normal, Key::ch('x'), Kill),
        (Normal, Key::ch('R'), Rollback),
        (Normal, Key::ch('A'), Approve),
        (Normal, Key::ch('a'), Announce),
        (Normal, Key::ch('C'), Cmd::Escalation),
        (Mode::Escalation, Key::ch('j'), Down),
        (Mode::Escalation, Key::plain(K::Down), Down),
        (Mode::Escalation, Key::ch('k'), Up),
        (Mode::Escalation, Key::plain(K::Up), Up),
        (Mode::Escalation, Key::ch(' '), Contacted),
        (Mode::Escalation, Key::plain(K::Esc), Cancel),
        (Mode::Escalation, Key::ch('q'), Cancel),
        // `C` again closes it, like `?` for help.
        (Mode::Escalation, Key::ch('C'), Cancel),
        (
            Mode::Escalation,
            Key {
                code: K::Char('c'),
                ctrl: true,
            },
            Interrupt,
        ),
        (Normal, Key::ch('f'), Follow),
        (Normal, Key::plain(K::Esc), Cancel),
        (Mode::Confirm, Key::ch('R'), Rollback),
        (Overlay, Key::ch('R'), Rollback),
        (Overlay, Key::ch('c'), Copy),
        (Overlay, Key::ch('w'), Post),
        (Overlay, Key::ch('x'), Kill),
        (Ask, Key::ch('y'), Cmd::Confirm),
        (Ask, Key::ch('n'), Skip),
        (Ask, Key::ch('s'), Skip),
        (Ask, Key::ch('r'), Retry),
        (Ask, Key::ch('a'), Abort),
        (Ask, Key::plain(K::Esc), Cancel),
        // The question about a command a stopped cockpit left running.
        (Ask, Key::ch('k'), Kill),
        (Ask, Key::ch('w'), Wait),
        (Ask, Key::ch('l'), Leave),
        (
            Ask,
            Key {
                code: K::Char('c'),
                ctrl: true,
            },
            Interrupt,
        ),
        (Normal, Key::ch('?'), Help),
        (Normal, Key::ch('q'), Quit),
        (
            Normal,
            Key {
                code: K::Char('c'),
                ctrl: true,
            },
            Interrupt,
        ),
        (Normal, Key::ch('z'), ZoomOutput),
        (Input, Key::plain(K::Enter), Submit),
        (Input, Key::plain(K::Backspace), DeleteChar),
        (Input, Key::plain(K::Esc), Cancel),
        (
            Input,
            Key {
                code: K::Char('c'),
                ctrl: true,
            },
            Interrupt,
        ),
        (Mode::Confirm, Key::ch('y'), Cmd::Confirm),
        // The rollback confirm: other procedures, and a long one scrolls.
        (Mode::Confirm, Key::plain(K::Tab), FocusNext),
        (Mode::Confirm, Key::ch('j'), Down),
        (Mode::Confirm, Key::plain(K::Down), Down),
        (Mode::Confirm, Key::ch('k'), Up),
        (Mode::Confirm, Key::plain(K::Up), Up),
        (Mode::Confirm, Key::ch('t'), Cmd::RunInTerminal),
        (Mode::Confirm, Key::ch('r'), Cmd::QuitWithReport),
        (Mode::Confirm, Key::ch('n'), Cancel),
        (Mode::Confirm, Key::plain(K::Esc), Cancel),
        (Overlay, Key::plain(K::Esc), Cancel),
        (Overlay, Key::ch('q'), Cancel),
        // The help is taller than a small screen.
        (Overlay, Key::ch('j'), Down),
        (Overlay, Key::plain(K::Down), Down),
        (Overlay, Key::ch('k'), Up),
        (Overlay, Key::plain(K::Up), Up),
        (Overlay, Key::plain(K::PageDown), PageDown),
        (Overlay, Key::plain(K::PageUp), PageUp),
        (Overlay, Key::plain(K::Enter), Cancel),
        // `?` again: closes help, or turns the demo's tour into help.
        (Overlay, Key::ch('?'), Help),
        (
            Overlay,
            Key {
                code: K::Char('c'),
                ctrl: true,
            },
            Interrupt,
        ),
    ]
};

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: DEFAULTS
                .iter()
                .map(|&(mode, key, cmd)| Binding { mode, key, cmd })
                .collect(),
            refused: Vec::new(),
        }
    }
}

impl Keymap {
    /// Applies a config's `[keys]` table: each named command gets exactly the
    /// listed keys (in every mode it had keys in). Taking a key another
    /// command uses in the same mode is an error unless that command is
    /// rebound too: a silent takeover would leave a command without a key
    /// and hints naming keys that do something else. Errors name the entry.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Keymap, String> {
        let defaults = Keymap::default();
        let mut map = defaults.clone();
        let mut claimed: BTreeMap<(Mode, String), &str> = BTreeMap::new();
        let rebound = overrides
            .keys()
            .map(|name| {
                Cmd::from_name(name).ok_or_else(|| {
                    format!(
                        "[keys] {name}: unknown command (known: {})",
                        Cmd::ALL.map(Cmd::name).join(", ")
                    )
                })
            })
            .collect::<Result<Vec<Cmd>, String>>()?;
        for ((name, keys), &cmd) in overrides.iter().zip(&rebound) {
            if keys.is_empty() {
                return Err(format!("[keys] {name}: give at least one key"));
            }
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k).ok_or_else(|| format!("[keys] {name}: unknown key \"{k}\"")))
                .collect::<Result<Vec<_>, _>>()?;
            let mut modes: Vec<Mode> = map
                .bindings
                .iter()
                .filter(|b| b.cmd == cmd)
                .map(|b| b.mode)
                .collect();
            modes.dedup();
            if modes.is_empty() {
                modes.push(Mode::Normal);
            }
            map.bindings.retain(|b| b.cmd != cmd);
            for &mode in &modes {
                for (key, spelled) in parsed.iter().zip(keys) {
                    if let Some(other) = claimed.insert((mode, key.to_string()), name) {
                        return Err(format!(
                            "[keys] {name}: \"{spelled}\" is also given to {other}"
                        ));
                    }
                    if let Some(other) = defaults
                        .bindings
                        .iter()
                        .find(|b| b.mode == mode && b.key == *key && b.cmd != cmd)
                        .filter(|b| !rebound.contains(&b.cmd))
                    {
                        let other = other.cmd.name();
                        return Err(format!(
                            "[keys] {name}: \"{spelled}\" is already the key of {other} \
                             (rebind {other} too)"
                        ));
                    }
                    map.bindings.retain(|b| !(b.mode == mode && b.key == *key));
                    map.bindings.push(Binding {
                        mode,
                        key: *key,
                        cmd,
                    });
                }
            }
        }
        Ok(map)
    }

    /// The same keys for a read-only mirror: commands that change the
    /// session move to the refused list.
    pub fn read_only(&self) -> Keymap {
        let (bindings, refused) = self
            .bindings
            .iter()
            .partition(|b| crate::core::action::allowed_in_mirror(b.cmd));
        Keymap { bindings, refused }
    }

    /// `replay`'s keys: the mirror's, with the timeline's taking their
    /// keys over in the checklist (`←`/`→`, `g`/`G`, `space`...). `home`
    /// and `end` still move the checklist.
    pub fn replay(&self) -> Keymap {
        use KeyCode as K;
        let timeline = [
            (Key::plain(K::Left), Cmd::ReplayBack),
            (Key::plain(K::Right), Cmd::ReplayForward),
            (Key::ch('['), Cmd::ReplayPrevDecision),
            (Key::ch(']'), Cmd::ReplayNextDecision),
            (Key::ch('g'), Cmd::ReplayStart),
            (Key::ch('G'), Cmd::ReplayEnd),
            (Key::ch(' '), Cmd::ReplayPlay),
            (Key::ch('+'), Cmd::ReplayFaster),
            (Key::ch('='), Cmd::ReplayFaster),
            (Key::ch('-'), Cmd::ReplaySlower),
        ];
        let mut map = self.read_only();
        let taken =
            |b: &Binding| b.mode == Mode::Normal && timeline.iter().any(|(k, _)| *k == b.key);
        map.bindings.retain(|b| !taken(b));
        map.refused.retain(|b| !taken(b));
        map.bindings
            .extend(timeline.iter().map(|&(key, cmd)| Binding {
                mode: Mode::Normal,
                key,
                cmd,
            }));
        map
    }

    /// The keys of `join`: the mirror's, plus those that become requests
    /// to the deployer's cockpit (tick, n/a, note, approve, a manual
    /// criterion, the rollback: a request, or its confirm when the config
    /// lets the co-pilot run it).
    pub fn copilot(&self) -> Keymap {
        use crate::core::action::Cmd;
        let (bindings, refused) = self.bindings.iter().partition(|b| {
            crate::core::action::allowed_in_mirror(b.cmd)
                || matches!(
                    b.cmd,
                    Cmd::Tick
                        | Cmd::NotApplicable
                        | Cmd::Note
                        | Cmd::Rollback
                        | Cmd::Approve
                        | Cmd::FocusNext
                        | Cmd::ToggleCriterion
                        | Cmd::Confirm
                        | Cmd::Skip
                        | Cmd::Retry
                        | Cmd::Abort
                )
        });
        Keymap { bindings, refused }
    }

    /// The criteria focus has a few keys of its own; every other key does
    /// what it does in the checklist. Refused keys are still found, so a
    /// mirror can say why they do nothing.
    pub fn lookup(&self, mode: Mode, key: Key) -> Option<Cmd> {
        let find = |mode: Mode| {
            self.bindings
                .iter()
                .chain(&self.refused)
                .find(|b| b.mode == mode && b.key == key)
                .map(|b| b.cmd)
        };
        find(mode).or_else(|| mode.falls_back().then(|| find(Mode::Normal))?)
    }

    /// What a key press asks for in `mode`. In a text field an unbound
    /// character is text.
    pub fn action(&self, mode: Mode, ev: &KeyEvent) -> Option<Action> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let key = Key::from_event(ev);
        if let Some(cmd) = self.lookup(mode, key) {
            return Some(Action::Cmd(cmd));
        }
        match (mode, key) {
            (
                Mode::Input,
                Key {
                    code: KeyCode::Char(c),
                    ctrl: false,
                },
            ) => Some(Action::Input(c)),
            // A choice between alternatives: the digit is the option.
            (
                Mode::Ask,
                Key {
                    code: KeyCode::Char(c @ '1'..='9'),
                    ctrl: false,
                },
            ) => Some(Action::Choose(usize::from(c as u8 - b'1'))),
            _ => None,
        }
    }

    /// The key the screen names for `cmd` in `mode` ("b pins"); `None`
    /// when no key does it there, so the hint is left out.
    pub fn first_key(&self, mode: Mode, cmd: Cmd) -> Option<String> {
        self.keys_for(mode, cmd).first().map(ToString::to_string)
    }

    pub fn keys_for(&self, mode: Mode, cmd: Cmd) -> Vec<Key> {
        let keys = |mode: Mode| -> Vec<Key> {
            self.bindings
                .iter()
                .filter(|b| b.mode == mode && b.cmd == cmd)
                .map(|b| b.key)
                .collect()
        };
        match keys(mode) {
            k if k.is_empty() && mode.falls_back() => keys(Mode::Normal)
                .into_iter()
                .filter(|&k| self.lookup(mode, k) == Some(cmd))
                .collect(),
            k => k,
        }
    }

    /// How the screen names the keys of `cmd` in `mode`: `y`, `n/esc`. At
    /// most two, so a key line stays short; `None` when nothing does it, so
    /// no line ever names a key that does nothing.
    pub fn named(&self, mode: Mode, cmd: Cmd) -> Option<String> {
        let keys: Vec<String> = self
            .keys_for(mode, cmd)
            .into_iter()
            .take(2)
            .map(|k| k.to_string())
            .collect();
        (!keys.is_empty()).then(|| keys.join("/"))
    }

    /// Bindings of a mode, grouped per command in first-binding order.
    pub fn commands(&self, mode: Mode) -> Vec<(Cmd, Vec<Key>)> {
        let mut out: Vec<(Cmd, Vec<Key>)> = Vec::new();
        for b in self.bindings.iter().filter(|b| b.mode == mode) {
            match out.iter_mut().find(|(c, _)| *c == b.cmd) {
                Some((_, keys)) => keys.push(b.key),
                None => out.push((b.cmd, vec![b.key])),
            }
        }
        out
    }

    /// `j/k move  space tick ...`: the footer for a mode. Only the first key
    /// of each command is shown; `?` lists them all.
    pub fn footer(&self, mode: Mode) -> Vec<(String, &'static str)> {
        let wanted: &[Cmd] = match mode {
            Mode::Normal => &[
                Cmd::Down,
                Cmd::ReplayForward,
                Cmd::ReplayNextDecision,
                Cmd::ReplayPlay,
                Cmd::Tick,
                Cmd::NotApplicable,
                Cmd::Note,
                Cmd::Open,
                Cmd::Rollback,
                Cmd::Escalation,
                Cmd::Search,
                Cmd::PinBaseline,
                Cmd::FocusNext,
                Cmd::ToggleLog,
                Cmd::Help,
                Cmd::Quit,
            ],
            Mode::Criteria => &[
                Cmd::Down,
                Cmd::ToggleCriterion,
                Cmd::FocusNext,
                Cmd::PinBaseline,
                Cmd::Help,
                Cmd::Quit,
            ],
            Mode::Logs => &[
                Cmd::Down,
                Cmd::PageDown,
                Cmd::Follow,
                Cmd::Search,
                Cmd::ZoomLogs,
                Cmd::Help,
                Cmd::Quit,
            ],
            Mode::Input => &[Cmd::Submit, Cmd::Cancel],
            Mode::Ask => &[Cmd::Confirm, Cmd::Skip, Cmd::Retry, Cmd::Abort],
            Mode::Confirm => &[Cmd::Confirm, Cmd::QuitWithReport, Cmd::Cancel],
            Mode::Overlay => &[Cmd::Cancel],
            Mode::Escalation => &[Cmd::Down, Cmd::Contacted, Cmd::Cancel],
        };
        wanted
            .iter()
            .filter_map(|&cmd| {
                let first = self.keys_for(mode, cmd).into_iter().next()?;
                let mut label = first.to_string();
                let back = match cmd {
                    Cmd::Down => Some(Cmd::Up),
                    Cmd::ReplayForward => Some(Cmd::ReplayBack),
                    Cmd::ReplayNextDecision => Some(Cmd::ReplayPrevDecision),
                    _ => None,
                };
                if let Some(back) = back
                    && let Some(up) = self.keys_for(mode, back).into_iter().next()
                {
                    label = format!("{first}/{up}");
                }
                Some((label, cmd.hint()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn defaults_follow_the_design_contract() {
        let k = Keymap::default();
        assert_eq!(k.lookup(Mode::Normal, Key::ch(' ')), Some(Cmd::Tick));
        assert_eq!(k.lookup(Mode::Normal, Key::ch('G')), Some(Cmd::Bottom));
        // `End` is the last row, as in less, k9s and lazygit; `f` follows.
        assert_eq!(
            k.lookup(Mode::Normal, Key::plain(KeyCode::End)),
            Some(Cmd::Bottom)
        );
        assert_eq!(k.lookup(Mode::Normal, Key::ch('f')), Some(Cmd::Follow));
        assert_eq!(k.lookup(Mode::Confirm, Key::ch('y')), Some(Cmd::Confirm));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in Mode::ALL {
            if mode != Mode::Confirm && mode != Mode::Criteria {
                assert_eq!(
                    k.action(mode, &ctrl_c),
                    Some(Action::Cmd(Cmd::Interrupt)),
                    "ctrl-c asks in {mode:?}"
                );
            }
        }
        // Shifted characters arrive with SHIFT set; they still match.
        let big_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            k.action(Mode::Normal, &big_g),
            Some(Action::Cmd(Cmd::Bottom))
        );
        assert_eq!(k.action(Mode::Input, &press('q')), Some(Action::Input('q')));
        assert_eq!(k.lookup(Mode::Normal, Key::ch('b')), Some(Cmd::PinBaseline));
        assert_eq!(
            k.lookup(Mode::Normal, Key::plain(KeyCode::Tab)),
            Some(Cmd::FocusNext)
        );
    }

    #[test]
    fn the_criteria_focus_toggles_with_space_and_keeps_the_other_keys() {
        let k = Keymap::default();
        assert_eq!(
            k.lookup(Mode::Criteria, Key::ch(' ')),
            Some(Cmd::ToggleCriterion)
        );
        assert_eq!(k.lookup(Mode::Criteria, Key::ch('j')), Some(Cmd::Down));
        assert_eq!(k.lookup(Mode::Criteria, Key::ch('q')), Some(Cmd::Quit));
        let footer = k.footer(Mode::Criteria);
        assert!(
            footer.contains(&("space".to_string(), "toggle")),
            "{footer:?}"
        );
        assert!(footer.contains(&("j/k".to_string(), "move")), "{footer:?}");
        assert!(footer.contains(&("tab".to_string(), "focus")), "{footer:?}");
        let normal = k.footer(Mode::Normal);
        assert!(
            normal.contains(&("b".to_string(), "baseline")),
            "{normal:?}"
        );
        assert!(
            normal.contains(&("space".to_string(), "tick")),
            "{normal:?}"
        );
    }

    #[test]
    fn a_mirror_hides_and_refuses_what_changes_the_session() {
        let k = Keymap::default().read_only();
        let footer: Vec<&str> = k.footer(Mode::Normal).iter().map(|(_, h)| *h).collect();
        for hidden in ["tick", "n/a", "note"] {
            assert!(!footer.contains(&hidden), "{footer:?}");
        }
        assert!(footer.contains(&"search") && footer.contains(&"help"));
        let help: Vec<Cmd> = k
            .commands(Mode::Normal)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert!(!help.contains(&Cmd::Tick) && help.contains(&Cmd::Down));
        // Still recognised, so the state can refuse it out loud.
        assert_eq!(k.lookup(Mode::Normal, Key::ch(' ')), Some(Cmd::Tick));
    }

    #[test]
    fn overrides_rebind_and_a_taken_key_needs_its_owner_rebound() {
        let mut o = BTreeMap::new();
        o.insert("tick".to_string(), vec!["x".to_string()]);
        assert_eq!(
            Keymap::with_overrides(&o).unwrap_err(),
            "[keys] tick: \"x\" is already the key of kill (rebind kill too)"
        );
        o.insert("kill".to_string(), vec!["X".to_string()]);
        let k = Keymap::with_overrides(&o).unwrap();
        assert_eq!(k.lookup(Mode::Normal, Key::ch('x')), Some(Cmd::Tick));
        assert_eq!(k.lookup(Mode::Normal, Key::ch('X')), Some(Cmd::Kill));
        assert_eq!(k.lookup(Mode::Normal, Key::ch(' ')), None);
        assert!(k.footer(Mode::Normal).contains(&("x".to_string(), "tick")));
        // The rollback key is also taken in dialogs (an overlay's `x` kills).
        let mut o = BTreeMap::new();
        o.insert("rollback".to_string(), vec!["x".to_string()]);
        assert!(
            Keymap::with_overrides(&o)
                .unwrap_err()
                .contains("already the key of kill")
        );
        o.insert("kill".to_string(), vec!["K".to_string()]);
        let k = Keymap::with_overrides(&o).unwrap();
        assert_eq!(k.named(Mode::Normal, Cmd::Rollback).as_deref(), Some("x"));
        assert_eq!(k.named(Mode::Overlay, Cmd::Rollback).as_deref(), Some("x"));
        assert_eq!(
            k.named(Mode::Confirm, Cmd::Cancel).as_deref(),
            Some("n/esc")
        );
    }

    #[test]
    fn override_errors_name_the_entry() {
        let mut o = BTreeMap::new();
        o.insert("tock".to_string(), vec!["x".to_string()]);
        assert!(
            Keymap::with_overrides(&o)
                .unwrap_err()
                .starts_with("[keys] tock: unknown command")
        );
        let mut o = BTreeMap::new();
        o.insert("tick".to_string(), vec!["spcae".to_string()]);
        assert_eq!(
            Keymap::with_overrides(&o).unwrap_err(),
            "[keys] tick: unknown key \"spcae\""
        );
        let mut o = BTreeMap::new();
        o.insert("tick".to_string(), vec!["X".to_string()]);
        o.insert("note".to_string(), vec!["X".to_string()]);
        assert!(
            Keymap::with_overrides(&o)
                .unwrap_err()
                .contains("also given to")
        );
    }
}
