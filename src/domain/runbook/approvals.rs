//! Rows that need a second person: the runbook's approvals and sign-offs,
//! and the rows a config's `[rules] two_person` names. Whoever runs the
//! deployment's commands cannot give them: the record must say that someone
//! else did.

use serde::Serialize;

use crate::domain::runbook::Runbook;

/// What makes a row an approval. "Approved" alone is left out: "migrations
/// reviewed and approved" is a check the deployer makes, "approved by" names
/// someone else.
const WORDS: [&str; 5] = ["approval", "approved by", "sign-off", "sign off", "signoff"];

/// A row of the checklist: an item, or a step (a runnable section).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoPersonRow {
    Item(usize),
    Step(usize),
}

/// Why a row needs a second person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "because", content = "word")]
pub enum Because {
    /// Its text says so ("approval", "sign-off").
    Says(String),
    /// `[rules] two_person` names it.
    Listed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TwoPerson {
    pub row: TwoPersonRow,
    pub line: usize,
    pub text: String,
    #[serde(flatten)]
    pub because: Because,
}

/// The approval word a text holds, if any (case-insensitive, whole words:
/// "disapproval" is not one).
pub fn approval_word(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    WORDS.into_iter().find(|w| {
        lower.match_indices(w).any(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + w.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// `text` as `[rules] two_person` compares it: case and runs of white
/// space do not matter.
fn normal(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The rows that need a second person, in the runbook's order. `listed`
/// are `[rules] two_person`'s entries, each matched against a row's whole
/// text; one that matches no row is an error naming it (`key` is how the
/// config names the list), so a typo never leaves an approval open to one
/// person.
pub fn two_person(rb: &Runbook, listed: &[String], key: &str) -> Result<Vec<TwoPerson>, String> {
    let rows = rb
        .items
        .iter()
        .map(|i| (TwoPersonRow::Item(i.id), i.line, i.text.as_str()))
        .chain(
            rb.sections
                .iter()
                .filter(|s| s.runnable)
                .map(|s| (TwoPersonRow::Step(s.id), s.line, s.title.as_str())),
        );
    let wanted: Vec<String> = listed.iter().map(|e| normal(e)).collect();
    let mut out: Vec<TwoPerson> = Vec::new();
    let mut matched = vec![false; listed.len()];
    for (row, line, text) in rows {
        let mut because = approval_word(text).map(|w| Because::Says(w.to_string()));
        let text_n = normal(text);
        for (k, entry) in wanted.iter().enumerate() {
            if *entry == text_n {
                matched[k] = true;
                because.get_or_insert(Because::Listed);
            }
        }
        if let Some(because) = because {
            out.push(TwoPerson {
                row,
                line,
                text: text.to_string(),
                because,
            });
        }
    }
    if let Some(k) = matched.iter().position(|m| !m) {
        return Err(format!(
            "{key}[{k}]: {:?} is not the text of any checklist item or step of the runbook",
            listed[k]
        ));
    }
    out.sort_by_key(|t| t.line);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approvals_are_found_by_their_words_and_a_listed_row_by_its_text() {
        let rb = crate::domain::runbook::parse(
            "# P\n\n## Approvals\n\n- [ ] Technical lead approval\n- [ ] **Security sign-off**: \
             scan clean\n- [ ] Deployment window approved\n- [ ] Migrations reviewed and \
             approved\n- [ ] Disapproval noted\n\n## Deploy\n\n```bash\necho hi\n```\n",
        );
        let found = two_person(&rb, &["deployment  WINDOW approved".into()], "k").unwrap();
        let texts: Vec<(&str, &Because)> = found
            .iter()
            .map(|t| (t.text.as_str(), &t.because))
            .collect();
        assert_eq!(
            texts,
            [
                ("Technical lead approval", &Because::Says("approval".into())),
                (
                    "Security sign-off: scan clean",
                    &Because::Says("sign-off".into())
                ),
                ("Deployment window approved", &Because::Listed),
            ]
        );
        assert_eq!(found[0].line, 5);
        let e = two_person(&rb, &["Deploy window".into()], "rules.two_person").unwrap_err();
        assert_eq!(
            e,
            "rules.two_person[0]: \"Deploy window\" is not the text of any checklist item or \
             step of the runbook"
        );
        // A step (a runnable section) can be listed too.
        let found = two_person(&rb, &["Deploy".into()], "k").unwrap();
        assert!(found.iter().any(|t| matches!(t.row, TwoPersonRow::Step(_))));
    }

    #[test]
    fn the_words_are_whole_words() {
        assert_eq!(approval_word("Manual QA approval"), Some("approval"));
        assert_eq!(approval_word("Approved by: Dana"), Some("approved by"));
        assert_eq!(approval_word("Dev lead signoff"), Some("signoff"));
        assert_eq!(approval_word("Disapprovals noted"), None);
        assert_eq!(approval_word("Deployment window approved"), None);
    }
}
