//! Every key the screen names comes from the keymap: a rebound key shows its
//! new name in the criteria panel, the footer, the help, the dialogs and the
//! tour. The help lists every mode's keys and scrolls; the footer drops whole
//! hints rather than cut one; without colour the selected row still shows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::harness::cockpit::{self, Session, render_with, screen_text, terminal_text, terp};
use rollout_cockpit::config::keys::Keymap;
use rollout_cockpit::core::action::{Action, Cmd};
use rollout_cockpit::core::modal::Modal;
use rollout_cockpit::ui::{self, ViewState};

fn keymap(pairs: &[(&str, &str)]) -> Keymap {
    let o: BTreeMap<String, Vec<String>> = pairs
        .iter()
        .map(|(c, k)| (c.to_string(), vec![k.to_string()]))
        .collect();
    Keymap::with_overrides(&o).unwrap()
}

fn text_with(s: &Session, keys: &Keymap, w: u16, h: u16) -> String {
    terminal_text(&render_with(&s.state, keys, w, h))
}

#[test]
fn a_rebound_rollback_key_is_shown_everywhere() {
    // `x` was kill's: kill moves to `K`, as the config must say.
    let keys = keymap(&[("rollback", "x"), ("kill", "K")]);
    let mut s = cockpit::degraded();
    for (w, h) in [(80, 24), (120, 40)] {
        let t = render_with(&s.state, &keys, w, h);
        insta::assert_snapshot!(format!("rebound_rollback_{w}x{h}"), t.backend());
        let text = terminal_text(&t);
        assert!(
            text.contains("ROLLBACK CRITERIA MET — press x"),
            "{w}x{h}:\n{text}"
        );
        assert!(!text.contains("press R"), "{w}x{h}:\n{text}");
        assert!(
            text.contains(" x rollback "),
            "the footer: {w}x{h}:\n{text}"
        );
    }

    s.cmd(Cmd::Help);
    let mut seen = String::new();
    for _ in 0..40 {
        seen.push_str(&text_with(&s, &keys, 120, 40));
        s.cmd(Cmd::Down);
    }
    let rollback_rows: Vec<&str> = seen
        .lines()
        .filter(|l| l.contains("open the rollback confirm"))
        .collect();
    assert!(!rollback_rows.is_empty(), "{seen}");
    for row in &rollback_rows {
        assert!(row.contains(" x  open the rollback"), "{row}");
    }
    assert!(
        seen.lines()
            .any(|l| l.contains(" K  kill the running command")),
        "{seen}"
    );

    s.cmd(Cmd::Cancel);
    s.state.ui.modal = Some(Modal::Tour);
    let tour = text_with(&s, &keys, 120, 40);
    assert!(tour.contains("roll back: x y"), "{tour}");
}

#[test]
fn dialogs_name_a_rebound_confirm_key() {
    let keys = keymap(&[("confirm", "Y")]);
    let mut s = Session::new(terp());
    s.cmd(Cmd::Quit);
    let quit = text_with(&s, &keys, 120, 40);
    assert!(quit.contains("Y quit "), "{quit}");
    assert!(!quit.contains("y quit"), "{quit}");
    s.cmd(Cmd::Cancel);
    s.go("Step 4: Deploy Application");
    s.cmd(Cmd::Open);
    let run = text_with(&s, &keys, 120, 40);
    assert!(run.contains("Y run it"), "{run}");
    assert!(run.contains("n/esc cancel"), "{run}");
}

/// A draw as the loop does it: the help's overflow goes back to `update`.
fn draw(s: &mut Session, view: &mut ViewState, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::render(f, &s.state, view)).unwrap();
    s.act(Action::Viewport {
        checklist_rows: view.checklist_rows,
        overlay_hidden: view.overlay_hidden,
    });
    terminal_text(&t)
}

#[test]
fn help_scrolls_and_lists_every_mode() {
    let mut s = Session::new(terp());
    let mut view = ViewState::new(Keymap::default());
    draw(&mut s, &mut view, 80, 24);
    s.cmd(Cmd::Help);
    let top = draw(&mut s, &mut view, 80, 24);
    assert!(top.contains("more ↓"), "{top}");
    assert!(top.contains("j/k scroll · pgdn/pgup page"), "{top}");
    assert!(view.overlay_hidden > 0);

    // Down to the end: every mode has its heading on the way.
    let mut seen = top.clone();
    let mut screen = top;
    let mut presses = 0;
    while screen.contains("more ↓") {
        s.cmd(Cmd::Down);
        screen = draw(&mut s, &mut view, 80, 24);
        seen.push_str(&screen);
        presses += 1;
        assert!(presses < 200, "the help never ends:\n{screen}");
    }
    assert_eq!(presses, usize::from(view.overlay_hidden));
    for heading in [
        "Checklist",
        "Criteria focus",
        "Application log",
        "Contacts and escalation",
        "Confirm dialogs",
        "Rollback questions",
        "Text fields",
        "This help, an announcement",
    ] {
        assert!(seen.contains(heading), "no {heading:?} in:\n{seen}");
    }
    assert!(seen.contains("1-9  pick that alternative"), "{seen}");

    // Past the end does nothing, so the first key back scrolls at once.
    for _ in 0..5 {
        s.cmd(Cmd::Down);
        draw(&mut s, &mut view, 80, 24);
    }
    let end = usize::from(view.overlay_hidden);
    assert_eq!(usize::from(s.state.ui.modal_scroll), end);
    s.cmd(Cmd::Up);
    let back = draw(&mut s, &mut view, 80, 24);
    assert!(back.contains("more ↓"), "{back}");
    assert!(back.contains(&format!("rows {end}-")), "{back}");

    // The help covers the checklist: its keys move nothing behind it.
    let cursor = s.state.ui.cursor;
    s.cmd(Cmd::PageDown);
    assert_eq!(s.state.ui.cursor, cursor);
}

#[test]
fn help_scrolled() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut s = Session::new(terp());
        let mut view = ViewState::new(Keymap::default());
        draw(&mut s, &mut view, w, h);
        s.cmd(Cmd::Help);
        draw(&mut s, &mut view, w, h);
        s.cmd(Cmd::PageDown);
        let text = draw(&mut s, &mut view, w, h);
        let t = render_with(&s.state, &Keymap::default(), w, h);
        insta::assert_snapshot!(format!("help_scrolled_{w}x{h}"), t.backend());
        assert!(!text.contains("rows 1-"), "scrolled: {w}x{h}\n{text}");
        assert!(text.contains("esc closes"), "{w}x{h}\n{text}");
    }
}

#[test]
fn the_footer_drops_whole_hints_at_80_columns() {
    let mut s = Session::new(terp());
    // A flash takes half the line.
    s.cmd(Cmd::SearchNext);
    let text = screen_text(&s.state, 80, 24);
    let footer = text.lines().last().unwrap().trim_end();
    assert!(footer.contains("no search yet"), "{footer}");
    assert!(footer.ends_with("? help  q quit"), "{footer}");
}

/// SGR parameter lists of a `capture-pane -e` line: `\e[1;7m` gives `1;7`.
fn sgr(line: &str) -> Vec<String> {
    line.split("\x1b[")
        .skip(1)
        .filter_map(|rest| rest.split_once('m').map(|(p, _)| p.to_string()))
        .filter(|p| p.chars().all(|c| c.is_ascii_digit() || c == ';'))
        .collect()
}

#[test]
#[cfg_attr(
    no_tmux,
    ignore = "tmux is not installed: install tmux to run the end-to-end tests"
)]
fn without_colour_the_selected_row_is_reversed() {
    use crate::harness::tmux::Cockpit;
    let c = Cockpit::start_with_env(
        "rc-nocolor",
        80,
        24,
        "run --no-health --operator e2e",
        &[("NO_COLOR", "1")],
    );
    c.tmux
        .wait_for("the cockpit", |s| s.contains("Checklist 0/65"));
    c.tmux.keys(&["j"]);
    let reversed = |row: &str| sgr(row).iter().any(|p| p.split(';').any(|n| n == "7"));
    // The text is on screen before the key lands: wait for the mark to move.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let screen = loop {
        let out = c.tmux.run(&["capture-pane", "-p", "-e", "-t", "rc"]);
        let screen = String::from_utf8_lossy(&out.stdout).into_owned();
        let moved = screen
            .lines()
            .find(|l| l.contains("Staging Verification"))
            .is_some_and(reversed);
        if moved || std::time::Instant::now() > deadline {
            break screen;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let colours = |p: &str| {
        p.split(';').any(|n| {
            matches!(
                n.parse::<u16>(),
                Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)
            )
        })
    };
    for line in screen.lines() {
        assert!(
            !sgr(line).iter().any(|p| colours(p)),
            "NO_COLOR, yet a colour: {line:?}"
        );
    }
    let row = screen
        .lines()
        .find(|l| l.contains("Staging Verification"))
        .unwrap();
    assert!(
        sgr(row).iter().any(|p| p.split(';').any(|n| n == "7")),
        "the selected row is not reversed: {row:?}"
    );
    let other = screen
        .lines()
        .find(|l| l.contains("Approval Requirements"))
        .unwrap();
    assert!(
        !sgr(other).iter().any(|p| p.split(';').any(|n| n == "7")),
        "an unselected row is reversed: {other:?}"
    );
    assert_eq!(c.quit(), "EXIT=0");
}
