//! Announcements: text templates under a heading (or rollback step) that
//! announces or communicates, filled from the session. `a` shows the filled
//! text, `c` copies it (OSC 52) and saves it, `w` posts it after a confirm.

use crate::core::effect::Effect;
use crate::core::event::Event;
use crate::core::modal::{Confirm, Modal};
use crate::core::outline::Row;
use crate::core::state::State;
use crate::domain::runbook::Runbook;

/// The announcement a row stands for: one in its own section.
pub fn for_row(rb: &Runbook, row: Row) -> Option<usize> {
    let section = match row {
        Row::Section(s) => Some(s),
        Row::Item(i) => rb.items.get(i).and_then(|i| i.section),
    }?;
    rb.announcements()
        .into_iter()
        .find(|&b| rb.blocks[b].section == Some(section))
}

/// The template with the session's facts in place of its placeholders,
/// masked: the dialog, the saved file, the clipboard and the webhook all
/// take it from here.
pub fn fill(state: &State, block: usize) -> String {
    let text = fill_unmasked(state, block);
    state.settings.exec.masker.0.mask(&text).into_owned()
}

fn fill_unmasked(state: &State, block: usize) -> String {
    let rb = state.runbook();
    let Some(b) = rb.blocks.get(block) else {
        return String::new();
    };
    let w = state.window();
    let w = w.as_deref();
    // "EST" as people write it, not "America/New_York"; in effect today,
    // so a July window says EDT.
    let tz = match w.and_then(|w| w.tz.as_ref()) {
        Some(_) => {
            let zone = crate::core::window::zone(w);
            state.now.with_timezone(&zone).format("%Z").to_string()
        }
        None => String::new(),
    };
    let minutes = w
        .and_then(|w| w.max_hours)
        .map_or_else(|| "?".to_string(), |h| (h * 60).to_string());
    let start = w.map_or_else(
        || "?".into(),
        |w| format!("{} {tz}", w.start).trim().to_string(),
    );
    // A Friday that closes early announces its own end.
    let end = w.map_or_else(
        || "?".into(),
        |w| {
            let end = state
                .window_view()
                .map_or_else(|| w.end.clone(), |v| v.end_text);
            format!("{end} {tz}").trim().to_string()
        },
    );
    let reason = state
        .session
        .rollback
        .as_ref()
        .map_or_else(|| "[Brief description]".to_string(), |r| r.trigger.clone());
    let mut text = b.code.clone();
    for (k, v) in [
        ("[X]", minutes.as_str()),
        ("[START TIME]", start.as_str()),
        ("[END TIME]", end.as_str()),
        ("[deployer name]", state.settings.operator.as_str()),
        ("[environment]", state.settings.environment.as_str()),
        ("[Brief description]", reason.as_str()),
    ] {
        text = text.replace(k, v);
    }
    text.trim_end().to_string()
}

/// `a` on a row.
pub fn open(state: &mut State) {
    let Some(row) = state.ui.cursor else { return };
    match for_row(state.runbook(), row) {
        Some(b) => state.ui.modal = Some(Modal::Announcement(b)),
        None => state.ui.flash = Some("no announcement here".into()),
    }
}

fn file_name(state: &State, block: usize) -> String {
    format!(
        "announcements/{}-line{}.txt",
        state.now.format("%Y%m%dT%H%M%SZ"),
        state.runbook().blocks.get(block).map_or(0, |b| b.line)
    )
}

fn title(state: &State, block: usize) -> String {
    let rb = state.runbook();
    rb.blocks
        .get(block)
        .and_then(|b| b.section)
        .and_then(|s| rb.sections.get(s))
        .map_or_else(String::new, |s| s.title.clone())
}

/// `c` on an open announcement.
pub fn copy(state: &mut State) -> Vec<Effect> {
    if let Some(Modal::Command(row)) = state.ui.modal {
        return copy_code(state, row);
    }
    let Some(Modal::Announcement(b)) = state.ui.modal else {
        return Vec::new();
    };
    if state.read_only {
        return Vec::new();
    }
    let text = fill(state, b);
    let name = file_name(state, b);
    state.ui.flash = Some(format!("copied (OSC 52) and saved as {name}"));
    vec![
        Effect::Clipboard(text.clone()),
        Effect::SaveFile {
            name: name.clone(),
            text,
        },
        Effect::Journal(Event::AnnouncementSent {
            title: title(state, b),
            via: "clipboard".into(),
            file: Some(name),
        }),
    ]
}

/// `c` on a row's code (a command, or reference material never run): to
/// the clipboard as the confirm would show it, secrets masked.
fn copy_code(state: &mut State, row: Row) -> Vec<Effect> {
    let masker = state.settings.exec.masker.0.clone();
    let text: Vec<String> = state
        .runbook()
        .owned_by(row.owner())
        .filter(|b| {
            b.kind == crate::domain::runbook::BlockKind::Command
                || crate::core::outline::is_shown_not_run(b)
        })
        .map(|b| masker.mask(b.code.trim_end()).into_owned())
        .collect();
    if text.is_empty() {
        return Vec::new();
    }
    state.ui.flash = Some("copied (OSC 52): nothing was run".into());
    vec![Effect::Clipboard(text.join("\n\n"))]
}

/// `w` on an open announcement: asks first.
pub fn ask_post(state: &mut State) {
    let Some(Modal::Announcement(b)) = state.ui.modal else {
        return;
    };
    if state.settings.exec.webhook.is_none() {
        state.ui.flash = Some("no webhook: set [notify] webhook_url in the config".into());
        return;
    }
    state.ui.modal = Some(Modal::Confirm(Confirm::Post(b)));
}

pub fn post(state: &mut State, block: usize) -> Vec<Effect> {
    state.ui.flash = Some("posting the announcement".into());
    vec![
        Effect::Webhook(fill(state, block)),
        Effect::Journal(Event::AnnouncementSent {
            title: title(state, block),
            via: "webhook".into(),
            file: None,
        }),
    ]
}
