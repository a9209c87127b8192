//! The window as runbooks write it, and prose that only looks like one.

use super::*;

fn lines(texts: &[&str]) -> Vec<TextLine> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| TextLine {
            line: i + 1,
            text: (*t).to_string(),
            plain: (*t).to_string(),
            continues: false,
        })
        .collect()
}

/// One paragraph over several source lines, from line `first`.
fn paragraph(first: usize, texts: &[&str]) -> Vec<TextLine> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| TextLine {
            line: first + i,
            text: (*t).to_string(),
            plain: (*t).to_string(),
            continues: i > 0,
        })
        .collect()
}

fn read(texts: &[&str]) -> Option<Window> {
    window(&lines(texts))
}

/// start, end, zone, preferred days, day ends, line
type Summary<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Vec<&'a str>,
    Vec<(&'a str, &'a str)>,
    usize,
);

fn summary(w: &Window) -> Summary<'_> {
    (
        w.start.as_str(),
        w.end.as_str(),
        w.tz.as_deref(),
        w.preferred_days.iter().map(String::as_str).collect(),
        w.day_ends
            .iter()
            .map(|(d, t)| (d.as_str(), t.as_str()))
            .collect(),
        w.line,
    )
}

#[test]
fn patterns_compile() {
    assert!(build().is_ok());
    assert!(statement::compiles());
    assert!(prose::compiles());
}

#[test]
fn the_terp_window() {
    let w = window(&lines(&[
        "Day: Weekday (Tuesday-Thursday preferred)",
        "Time: 10:00 PM - 2:00 AM EST (low traffic period)",
        "Duration: 2-4 hours maximum",
    ]))
    .unwrap();
    assert_eq!((w.start.as_str(), w.end.as_str()), ("22:00", "02:00"));
    assert_eq!(w.tz.as_deref(), Some("America/New_York"));
    assert_eq!(w.max_hours, Some(4));
    assert_eq!(w.preferred_days, ["Tue", "Wed", "Thu"]);
    assert_eq!(w.line, 2);
}

#[test]
fn other_window_forms() {
    let w = window(&lines(&[
        "Window: 22:00-02:00 Europe/Berlin",
        "Days: Sat, Sun",
    ]))
    .unwrap();
    assert_eq!((w.start.as_str(), w.end.as_str()), ("22:00", "02:00"));
    assert_eq!(w.tz.as_deref(), Some("Europe/Berlin"));
    assert_eq!(w.preferred_days, ["Sat", "Sun"]);
    let w = window(&lines(&["Time: 11pm to 1am PT", "Day: Weekday"])).unwrap();
    assert_eq!((w.start.as_str(), w.end.as_str()), ("23:00", "01:00"));
    assert_eq!(w.tz.as_deref(), Some("America/Los_Angeles"));
    assert_eq!(w.preferred_days, ["Mon", "Tue", "Wed", "Thu", "Fri"]);
    assert_eq!(window(&lines(&["Time to Complete: ~4-5 minutes"])), None);
    assert_eq!(window(&lines(&["Response Time: Immediate"])), None);
}

#[test]
fn checkpoints_and_due_times() {
    assert_eq!(checkpoint_minutes("24 Hours Before"), Some(1440));
    assert_eq!(checkpoint_minutes("2 Hours Before"), Some(120));
    assert_eq!(
        checkpoint_minutes("Pre-Deployment (30 minutes before)"),
        Some(30)
    );
    assert_eq!(checkpoint_minutes("T-30m"), Some(30));
    assert_eq!(
        checkpoint_minutes("Post-Deployment Verification (15 minutes)"),
        None
    );
    assert_eq!(due_minutes("Technical Lead (within 15 minutes)"), Some(15));
    assert_eq!(
        due_minutes("On-Call Engineer (immediate response)"),
        Some(0)
    );
    assert_eq!(
        due_minutes("CTO (if critical and unresolved in 1 hour)"),
        Some(60)
    );
    assert_eq!(due_minutes("Management (for major incidents)"), None);
}

#[test]
fn bold_labels_that_name_a_window() {
    let w = read(&[
        "Intro",
        "Standard Maintenance: Tuesday/Thursday 02:00-04:00 UTC",
    ])
    .unwrap();
    assert_eq!(
        summary(&w),
        ("02:00", "04:00", Some("UTC"), vec!["Tue", "Thu"], vec![], 2)
    );
    let w = read(&["Release window: Wednesday 23:30-01:00 Europe/Berlin"]).unwrap();
    assert_eq!(
        summary(&w),
        (
            "23:30",
            "01:00",
            Some("Europe/Berlin"),
            vec!["Wed"],
            vec![],
            1
        )
    );
    let w = read(&["Deployment window: weekdays 9am-5pm ET"]).unwrap();
    assert_eq!(
        summary(&w),
        (
            "09:00",
            "17:00",
            Some("America/New_York"),
            vec!["Mon", "Tue", "Wed", "Thu", "Fri"],
            vec![],
            1
        )
    );
    let w = read(&["Change window: Tue-Thu 22:00 to 02:00 CET"]).unwrap();
    assert_eq!(
        summary(&w),
        (
            "22:00",
            "02:00",
            Some("Europe/Berlin"),
            vec!["Tue", "Wed", "Thu"],
            vec![],
            1
        )
    );
    let w = read(&["Maintenance: Sundays 02:00-06:00 GMT"]).unwrap();
    assert_eq!(
        summary(&w),
        ("02:00", "06:00", Some("UTC"), vec!["Sun"], vec![], 1)
    );
}

#[test]
fn labels_with_an_earlier_end_on_some_days() {
    let w = read(&["Deploy hours: Mon-Thu 09:00-17:00, Fri 09:00-15:00 Europe/London"]).unwrap();
    assert_eq!(
        summary(&w),
        (
            "09:00",
            "17:00",
            Some("Europe/London"),
            vec!["Mon", "Tue", "Wed", "Thu", "Fri"],
            vec![("Fri", "15:00")],
            1
        )
    );
    // The zone in the label's brackets; the day end as `check` prints it.
    let w = read(&["Deploy hours (UTC): 9.30am until 5pm (Fri until 16:00)"]).unwrap();
    assert_eq!(
        summary(&w),
        (
            "09:30",
            "17:00",
            Some("UTC"),
            vec![],
            vec![("Fri", "16:00")],
            1
        )
    );
    // A day named only for its earlier end still counts as a day to deploy.
    let w = read(&["Release window: Mon-Thu 10:00-16:00, Fridays until noon"]).unwrap();
    assert_eq!(w.preferred_days, ["Mon", "Tue", "Wed", "Thu", "Fri"]);
    assert_eq!(w.day_ends.get("Fri").map(String::as_str), Some("12:00"));
}

#[test]
fn label_values_on_the_next_line_or_in_the_next_cell() {
    let mut l = paragraph(
        7,
        &["Release window:", "Wednesday 23:30-01:00 Europe/Berlin"],
    );
    assert_eq!(
        summary(&window(&l).unwrap()),
        (
            "23:30",
            "01:00",
            Some("Europe/Berlin"),
            vec!["Wed"],
            vec![],
            7
        )
    );
    // Table cells are text lines of one source line.
    l[1].continues = false;
    l[1].line = 7;
    l[0].text = "Maintenance window".into();
    assert_eq!(window(&l).map(|w| w.start), Some("23:30".to_string()));
    l[1].line = 8;
    assert_eq!(window(&l), None);
}

#[test]
fn the_govuk_sentence_over_two_lines() {
    let l = paragraph(
        44,
        &[
            "Deployment communications are in the #govuk-deploy Slack channel. If you are",
            "on 2ndline you should add yourself to that channel. Releases can",
            "start from 9:30am and must be finished by 5pm, or 4pm on Fridays.",
        ],
    );
    let w = window(&l).unwrap();
    assert_eq!(
        summary(&w),
        ("09:30", "17:00", None, vec![], vec![("Fri", "16:00")], 45)
    );
    assert_eq!(w.max_hours, None);
}

#[test]
fn sentences_about_releasing() {
    let w = read(&["We deploy between 10pm and 2am ET on Tuesdays and Thursdays."]).unwrap();
    assert_eq!(
        summary(&w),
        (
            "22:00",
            "02:00",
            Some("America/New_York"),
            vec!["Tue", "Thu"],
            vec![],
            1
        )
    );
    let w = read(&["Scheduled maintenance runs from 02:00 until 04:00 UTC on Mondays."]).unwrap();
    assert_eq!(
        summary(&w),
        ("02:00", "04:00", Some("UTC"), vec!["Mon"], vec![], 1)
    );
    let w = read(&["Releases go out from 9.30am to 5pm on weekdays except Friday."]).unwrap();
    assert_eq!(
        summary(&w),
        (
            "09:30",
            "17:00",
            None,
            vec!["Mon", "Tue", "Wed", "Thu"],
            vec![],
            1
        )
    );
    let w = read(&["Deployments are allowed Monday-Thursday, 10:00-16:00 UK time."]).unwrap();
    assert_eq!(
        summary(&w),
        (
            "10:00",
            "16:00",
            Some("Europe/London"),
            vec!["Mon", "Tue", "Wed", "Thu"],
            vec![],
            1
        )
    );
    let w = read(&["All times are CET. Deployments happen between 9 and 11am."]).unwrap();
    assert_eq!((w.start.as_str(), w.end.as_str()), ("09:00", "11:00"));
    assert_eq!(w.tz, None, "a zone in another sentence is not this one's");
}

#[test]
fn a_label_wins_over_a_sentence_before_it() {
    let w = read(&[
        "Releases happen between 9am and 5pm.",
        "Maintenance window: Sat 01:00-03:00 UTC",
    ])
    .unwrap();
    assert_eq!((w.start.as_str(), w.line), ("01:00", 2));
}

#[test]
fn time_ranges_that_are_not_windows() {
    for text in [
        "Time to Complete: ~4-5 minutes",
        "Response Time: Immediate",
        "Detection Time < 5 minutes",
        "Rollback within 5 min",
        "The job runs 10:00-10:05",
        "The deploy job runs from 10:00 to 10:05.",
        "Deploy the backend from 22:00 to 22:30.",
        "22:00-23:30 Deploy backend and run the migrations",
        "Deploy the release 10:00-12:00 (see the timeline).",
        "Rollback Window: 2 hours",
        "Rollback Window: 22:00-23:00",
        "Response Time: 10:00-12:00",
        "Do not deploy between 5pm and 9:30am.",
        "Never release from 4pm until 9am.",
        "The backup runs between 01:00 and 03:00.",
        "A deploy takes between 5 and 10 minutes.",
        "Release notes for 2.10-2.12 and 2025-01-14.",
        "Deploy to staging. The cron job runs between 01:00 and 03:00.",
    ] {
        assert_eq!(read(&[text]), None, "{text}");
    }
    // Two list items are two paragraphs, not one sentence.
    assert_eq!(
        read(&["Deploy to staging", "Wait between 10:00 and 11:00"]),
        None
    );
}
