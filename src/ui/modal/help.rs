//! The keys overlay (built from the keymap) and the demo's first-run tour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{boxed, centered, frame_box};
use crate::core::state::Mode;
use crate::ui::{ViewState, theme};

pub(super) fn help(frame: &mut Frame, area: Rect, view: &ViewState, wide: u16) {
    let mut lines = Vec::new();
    for (cmd, keys) in view.keymap.commands(Mode::Normal) {
        let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
        lines.push(Line::from(vec![
            Span::styled(format!("{:>14}  ", keys.join(" ")), theme::key()),
            Span::raw(cmd.describe()),
        ]));
    }
    // Keys of the criteria focus (Tab) and the escalation overlay
    // that the checklist lacks.
    let normal: Vec<_> = view
        .keymap
        .commands(Mode::Normal)
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    let extra = view.keymap.commands(Mode::Criteria).into_iter().chain(
        view.keymap
            .commands(Mode::Escalation)
            .into_iter()
            .filter(|(c, _)| !normal.contains(c)),
    );
    for (cmd, keys) in extra {
        let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
        lines.push(Line::from(vec![
            Span::styled(format!("{:>14}  ", keys.join(" ")), theme::key()),
            Span::raw(cmd.describe()),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "esc closes · keys can be changed in the config's [keys] table",
        theme::dim(),
    ));
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    frame_box(
        frame,
        centered(area, wide.min(64), h),
        " Keys ".into(),
        theme::title(),
        lines,
    );
}

pub(super) fn tour(frame: &mut Frame, area: Rect, wide: u16) {
    boxed(
        frame,
        area,
        wide.min(72),
        " Try this: the demo in five steps ",
        theme::title(),
        tour_lines(),
    );
}

/// The demo's first-run overlay. The keys are the default keymap's: the demo
/// runs without a config.
fn tour_lines() -> Vec<Line<'static>> {
    let step = |n: &str, parts: &[(&str, bool)]| {
        let mut spans = vec![Span::styled(format!(" {n}. "), theme::title())];
        for (text, key) in parts {
            spans.push(if *key {
                Span::styled(text.to_string(), theme::key())
            } else {
                Span::raw(text.to_string())
            });
        }
        Line::from(spans)
    };
    vec![
        step(
            "1",
            &[
                ("Tick an item: ", false),
                ("j/k", true),
                (" move, ", false),
                ("space", true),
                (" ticks", false),
            ],
        ),
        // Searches that land on the step itself, not an earlier mention.
        step(
            "2",
            &[
                ("Run the backup: ", false),
                ("/", true),
                ("database backup ", false),
                ("enter", true),
                (", then ", false),
                ("enter", true),
                (" ", false),
                ("y", true),
            ],
        ),
        step(
            "3",
            &[
                ("Run Step 4: Deploy Application: ", false),
                ("/", true),
                ("Step 4 ", false),
                ("enter", true),
                (", then ", false),
                ("enter", true),
                (" ", false),
                ("y", true),
            ],
        ),
        step(
            "4",
            &[
                ("Watch the criteria turn red, then roll back: ", false),
                ("R", true),
                (" ", false),
                ("y", true),
            ],
        ),
        step(
            "5",
            &[
                ("Quit with ", false),
                ("q", true),
                (" ", false),
                ("y", true),
                (", then read ", false),
                ("rollout-cockpit report", true),
            ],
        ),
        Line::raw(""),
        Line::styled(
            "All simulated: a service on 127.0.0.1 and stand-in tools.",
            theme::dim(),
        ),
        Line::styled(
            "esc closes · ? brings this back, ? again lists all keys",
            theme::dim(),
        ),
    ]
}
