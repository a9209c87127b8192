//! Error rate and latency against the baseline: current figures, a
//! sparkline of each over the window (one column per probe interval; an
//! interval whose every probe failed is a full red bar, never 0 ms; one with
//! no probe is a dot), the baseline, and the health details the service
//! reported. Lines are chosen by priority so a short pane keeps the figures
//! and the baseline.

use chrono::Timelike;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{health, theme};
use crate::config::keys::Keymap;
use crate::core::action::Cmd;
use crate::core::screen::Mode;
use crate::core::session::health::Health;
use crate::core::state::State;
use crate::domain::monitor::criteria::{Kind, ms, pct};
use crate::domain::monitor::window::{Bucket, BucketKind};
use crate::domain::monitor::{BaselineSource, Stats};
use crate::domain::words::count;

const BARS: [&str; 8] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
const LABEL: usize = 4;
const NO_ENDPOINT: &str = "no health endpoint yet — pass --health URL";

/// Rows the pane would like: borders, figures, two sparklines, baseline, details.
pub fn wanted_height(state: &State, width: u16) -> u16 {
    let h = &state.session.health;
    let log = u16::from(state.session.logs.command.is_some());
    if h.config.is_none() {
        let inner = usize::from(width.saturating_sub(2)).max(1);
        let text = u16::try_from(NO_ENDPOINT.chars().count().div_ceil(inner)).unwrap_or(1);
        return 2 + text + log;
    }
    if h.last.is_none() {
        return 4;
    }
    let figures = if usize::from(width.saturating_sub(2)) >= figures_line(&h.probe).width() {
        1
    } else {
        2
    };
    let details = health::lines(h).len();
    // Prometheus's figures and its sparkline.
    let prometheus = if h.series.is_some() { 2 } else { 0 };
    let access = usize::from(h.log_rate.requests().is_some());
    u16::try_from(2 + figures + 3 + prometheus + access + details)
        .unwrap_or(u16::MAX)
        .saturating_add(log)
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, keymap: &Keymap) {
    let pin = keymap.first_key(Mode::Normal, Cmd::PinBaseline);
    let h = &state.session.health;
    let block = Block::bordered()
        .border_style(theme::border())
        .title(Line::styled(" Metrics ", theme::title()));
    let inner = usize::from(area.width.saturating_sub(2));
    let rows = usize::from(area.height.saturating_sub(2));
    let lines = match (&h.config, h.last) {
        (None, _) => {
            let mut lines = vec![Line::styled(NO_ENDPOINT, theme::dim())];
            lines.extend(spark_log(state, inner));
            let p = Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true });
            frame.render_widget(p.block(block), area);
            return;
        }
        (Some(c), None) => vec![
            Line::styled(
                format!(
                    "{} every {}",
                    sources_text(c),
                    humantime::format_duration(c.interval())
                ),
                theme::dim(),
            ),
            baseline_line(state, inner, pin.as_deref()),
        ],
        (Some(_), Some(_)) => measured(state, inner, rows, pin.as_deref()),
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Picks lines by priority (figures, baseline, error sparkline, latency
/// sparkline, details) and shows them in reading order.
fn measured(state: &State, inner: usize, rows: usize, pin: Option<&str>) -> Vec<Line<'static>> {
    let h = &state.session.health;
    let probing = h.config.as_ref().is_some_and(|c| !c.urls.is_empty());
    let fig = figures_line(&h.probe);
    let details = health::lines(h);
    // Whole figures if they fit; else on two lines if everything fits; else
    // just error rate and p95, the two numbers the criteria judge. Without
    // a probe, Prometheus's line stands alone.
    let figures: Vec<Line<'static>> = if !probing {
        Vec::new()
    } else if fig.width() <= inner {
        vec![fig]
    } else if rows >= 5 + details.len() {
        figures_split(&h.probe)
    } else {
        vec![figures_compact(&h.probe)]
    };
    let prometheus = prometheus_lines(h, inner);
    let cols = inner.saturating_sub(LABEL).max(1);
    let buckets = buckets(h, cols);
    let limit = h.engine.limit_of(Kind::Latency);
    let base_latency = h.baseline().and_then(|b| b.latency_ms);
    let err = spark_err(&buckets, cols);
    let lat = spark_latency(&buckets, cols, base_latency, limit);

    // (priority, reading order, line)
    let mut all: Vec<(usize, usize, Line<'static>)> = Vec::new();
    // Prometheus's figure line comes right after the probe's, its
    // sparkline after theirs.
    let (prom_figures, prom_spark) = match prometheus {
        Some((f, s)) => (vec![f], Some(s)),
        None => (Vec::new(), None),
    };
    let mut figures = figures;
    figures.extend(prom_figures);
    let n = figures.len();
    // Reading order in tens, so a line can sit between two others.
    for (i, l) in figures.into_iter().enumerate() {
        all.push((i, 10 * i, l));
    }
    all.push((n, 10 * (n + 3), baseline_line(state, inner, pin)));
    if probing {
        all.push((n + 1, 10 * (n + 1), err));
        all.push((n + 2, 10 * (n + 2), lat));
    }
    if let Some(s) = prom_spark {
        // Read after the probe's sparklines, before the baseline.
        all.push((n + 1, 10 * (n + 2) + 5, s));
    }
    let log = spark_log(state, inner);
    let has_log = usize::from(log.is_some());
    if let Some(l) = log {
        all.push((n + 3, 10 * (n + 3), l));
    }
    if let Some(l) = spark_access(h, inner) {
        // After the log's line, before the details; kept after them.
        all.push((n + 4 + has_log + 8, 10 * (n + 3) + 5, l));
    }
    for (i, l) in details.into_iter().enumerate() {
        all.push((n + 3 + has_log + i, 10 * (n + 4 + has_log + i), l));
    }
    all.sort_by_key(|(p, _, _)| *p);
    all.truncate(rows);
    all.sort_by_key(|(_, o, _)| *o);
    all.into_iter().map(|(_, _, l)| l).collect()
}

fn opt(x: Option<f64>, f: fn(f64) -> String) -> String {
    x.map_or_else(|| "—".to_string(), f)
}

fn err_style(stats: &Stats) -> Style {
    match stats.error_rate {
        Some(e) if e > 0.0 => theme::red(),
        _ => theme::title(),
    }
}

/// `err 0.4% (n=58)  p50 41 ms  p95 88 ms  p99 120 ms`
fn figures_line(stats: &Stats) -> Line<'static> {
    let mut spans = figures_err(stats);
    spans.push(Span::raw("  "));
    spans.extend(figures_latency(stats));
    Line::from(spans)
}

fn figures_split(stats: &Stats) -> Vec<Line<'static>> {
    vec![
        Line::from(figures_err(stats)),
        Line::from(figures_latency(stats)),
    ]
}

fn figures_compact(stats: &Stats) -> Line<'static> {
    let mut spans = figures_err(stats);
    spans.push(Span::styled(
        format!("  p95 {}", opt(stats.p95, ms)),
        theme::title(),
    ));
    Line::from(spans)
}

fn figures_err(stats: &Stats) -> Vec<Span<'static>> {
    vec![
        Span::styled(
            format!("err {}", opt(stats.error_rate, pct)),
            err_style(stats),
        ),
        Span::styled(format!(" (n={})", stats.samples), theme::dim()),
    ]
}

fn figures_latency(stats: &Stats) -> Vec<Span<'static>> {
    vec![
        Span::raw(format!("p50 {}  ", opt(stats.p50, ms))),
        Span::styled(format!("p95 {}", opt(stats.p95, ms)), theme::title()),
        Span::raw(format!("  p99 {}", opt(stats.p99, ms))),
    ]
}

/// `probing URL, prometheus URL`: what the pane is waiting on.
fn sources_text(c: &crate::domain::monitor::MonitorConfig) -> String {
    let mut what = Vec::new();
    if !c.urls.is_empty() {
        what.push(format!("probing {}", c.urls.join(", ")));
    }
    if let Some(p) = &c.prometheus {
        what.push(format!("querying prometheus {}", p.url));
    }
    what.join(", ")
}

/// Prometheus's newest figures (`prom err 7.2%  p95 110 ms  20.3/s`, or
/// why it has none) and its error rate, one column per reading: a reading
/// with no data is a dot, never 0%.
fn prometheus_lines(h: &Health, inner: usize) -> Option<(Line<'static>, Line<'static>)> {
    let series = h.series.as_ref()?;
    let latest = series.latest();
    let figures = match latest {
        Some(r) if r.has_data() => Line::from(vec![
            Span::styled("prom ", theme::dim()),
            Span::styled(
                format!("err {}", opt(r.error_rate, pct)),
                match r.error_rate {
                    Some(e) if e > 0.0 => theme::red(),
                    _ => theme::title(),
                },
            ),
            Span::styled(format!(" p95 {}", opt(r.p95, ms)), theme::title()),
            Span::raw(format!(
                " {}",
                opt(r.throughput, crate::domain::monitor::criteria::per_sec)
            )),
        ]),
        Some(r) => {
            let why = r
                .problems
                .first()
                .map_or("empty result or NaN", String::as_str);
            let text: String = format!("prom no data: {why}").chars().take(inner).collect();
            Line::styled(text, theme::amber())
        }
        None => Line::styled("prom waiting for the first reading", theme::dim()),
    };
    let cols = inner.saturating_sub(LABEL).max(1);
    let mut points: Vec<Option<f64>> = series
        .readings()
        .rev()
        .take(cols)
        .map(|r| r.error_rate)
        .collect();
    points.reverse();
    let mut spans = vec![Span::styled("prm ", theme::dim()), pad(cols, points.len())];
    for p in points {
        spans.push(match p {
            None => Span::styled("·", theme::dim()),
            Some(rate) if rate > 0.0 => Span::styled(BARS[level(rate, 100.0).max(1)], theme::red()),
            Some(_) => Span::styled("▁", theme::ok()),
        });
    }
    Some((figures, Line::from(spans)))
}

/// The newest `cols` intervals of the window, the last one holding the
/// newest sample.
fn buckets(h: &Health, cols: usize) -> Vec<Bucket> {
    let (Some(config), Some(now)) = (&h.config, h.last) else {
        return Vec::new();
    };
    let interval = config.interval();
    let in_window = usize::try_from(config.window().as_nanos() / interval.as_nanos().max(1))
        .unwrap_or(usize::MAX)
        .max(1);
    let origin = h.grid.unwrap_or_else(|| now - h.step() / 2);
    h.window.buckets(origin, now, interval, cols.min(in_window))
}

fn pad(cols: usize, used: usize) -> Span<'static> {
    Span::raw(" ".repeat(cols.saturating_sub(used)))
}

/// Before the first sample nothing was lost: blank, not a dot.
fn gap(i: usize, first: usize) -> Span<'static> {
    if i < first {
        Span::raw(" ")
    } else {
        Span::styled("·", theme::dim())
    }
}

fn first_probe(buckets: &[Bucket]) -> usize {
    buckets
        .iter()
        .position(|b| b.kind() != BucketKind::Gap)
        .unwrap_or(buckets.len())
}

/// 0 to 7: which of [`BARS`] draws `value` on a scale topped by `top`.
fn level(value: f64, top: f64) -> usize {
    ((value / top.max(1e-9)) * 7.0).round().clamp(0.0, 7.0) as usize
}

fn bar(value: f64, top: f64) -> &'static str {
    BARS[level(value, top)]
}

/// Each interval's error rate: a low green bar when every probe answered,
/// a red bar as high as the share that failed (at least one step, so a
/// single failure among many still shows).
fn spark_err(buckets: &[Bucket], cols: usize) -> Line<'static> {
    let mut spans = vec![Span::styled("err ", theme::dim()), pad(cols, buckets.len())];
    let first = first_probe(buckets);
    for (i, b) in buckets.iter().enumerate() {
        spans.push(match (b.kind(), b.error_rate()) {
            (BucketKind::Gap, _) => gap(i, first),
            (BucketKind::Failed, _) => Span::styled("█", theme::red()),
            (BucketKind::Ok, Some(rate)) if rate > 0.0 => {
                Span::styled(BARS[level(rate, 100.0).max(1)], theme::red())
            }
            (BucketKind::Ok, _) => Span::styled("▁", theme::ok()),
        });
    }
    Line::from(spans)
}

/// The height that stands for the top bar. Twice the reference latency,
/// so a steady service draws a mid-height line and a doubling reaches the
/// top: against the baseline when pinned (so "above the baseline" shows at
/// a glance), else against the median of what is drawn. Scaling to the
/// highest value alone would draw a steady latency as a wall of full bars,
/// and to the criterion's limit would flatten it when the limit is
/// generous. Anything higher still fits: the top grows to the maximum.
fn latency_top(buckets: &[Bucket], base: Option<f64>) -> f64 {
    let mut seen: Vec<f64> = buckets.iter().filter_map(|b| b.latency_ms).collect();
    let max = seen.iter().copied().fold(0.0, f64::max);
    let reference = base.or_else(|| {
        seen.sort_by(f64::total_cmp);
        seen.get(seen.len() / 2).copied()
    });
    reference.map_or(max, |r| r * 2.0).max(max)
}

/// Each interval's worst successful latency. Bars over the criterion's
/// limit are amber.
fn spark_latency(
    buckets: &[Bucket],
    cols: usize,
    base: Option<f64>,
    limit: Option<f64>,
) -> Line<'static> {
    let top = latency_top(buckets, base);
    let mut spans = vec![Span::styled("p95 ", theme::dim()), pad(cols, buckets.len())];
    let first = first_probe(buckets);
    for (i, b) in buckets.iter().enumerate() {
        spans.push(match (b.kind(), b.latency_ms) {
            (BucketKind::Failed, _) => Span::styled("█", theme::red()),
            (_, None) => gap(i, first),
            (_, Some(l)) => {
                let style = if limit.is_some_and(|lim| l > lim) {
                    theme::amber()
                } else {
                    theme::command()
                };
                Span::styled(bar(l, top), style)
            }
        });
    }
    Line::from(spans)
}

/// Error lines per minute in the application log, one column a second,
/// then the figure; bars over the log criterion's limit are red.
fn spark_log(state: &State, inner: usize) -> Option<Line<'static>> {
    state.session.logs.command.as_ref()?;
    let h = &state.session.health;
    let rate = &h.log_rate;
    let limit = h.engine.limit_of(Kind::LogErrors);
    let figure = rate
        .errors_per_minute()
        .map_or_else(|| " —/min".to_string(), |n| format!(" {n:.0}/min"));
    let cols = inner.saturating_sub(LABEL + figure.chars().count()).max(1);
    let points: Vec<u32> = {
        let mut p: Vec<u32> = rate.history().rev().take(cols).map(|(_, n)| n).collect();
        p.reverse();
        p
    };
    let top = points
        .iter()
        .map(|&n| f64::from(n))
        .fold(limit.unwrap_or(0.0), f64::max)
        .max(1.0);
    let mut spans = vec![Span::styled("log ", theme::dim()), pad(cols, points.len())];
    for n in points {
        let n = f64::from(n);
        let style = match limit {
            Some(lim) if n > lim => theme::red(),
            _ if n > 0.0 => theme::amber(),
            _ => theme::ok(),
        };
        spans.push(Span::styled(bar(n, top), style));
    }
    spans.push(Span::styled(figure, theme::title()));
    Some(Line::from(spans))
}

/// The access log's requests, one column a second over the last minute: a
/// low green bar when none failed, a red one as high as the share of 5xx,
/// a dot for a second without a request; then the minute's share.
fn spark_access(h: &Health, inner: usize) -> Option<Line<'static>> {
    let (total, failed) = h.log_rate.requests()?;
    let figure = if total == 0 {
        " —".to_string()
    } else {
        format!(" {}", pct(failed as f64 * 100.0 / total as f64))
    };
    let cols = inner.saturating_sub(LABEL + figure.chars().count()).max(1);
    let mut seconds: Vec<(u32, u32)> = h
        .log_rate
        .seconds()
        .rev()
        .take(cols)
        .map(|c| (c.requests, c.server_errors))
        .collect();
    seconds.reverse();
    let mut spans = vec![Span::styled("req ", theme::dim()), pad(cols, seconds.len())];
    for (requests, failed) in seconds {
        spans.push(match (requests, failed) {
            (0, _) => Span::styled("·", theme::dim()),
            (_, 0) => Span::styled("▁", theme::ok()),
            (r, f) => Span::styled(
                BARS[level(f64::from(f) * 100.0 / f64::from(r), 100.0).max(1)],
                theme::red(),
            ),
        });
    }
    spans.push(Span::styled(figure, theme::title()));
    Some(Line::from(spans))
}

/// `base err 0.4% p95 80 ms · operator 23:40`, or how far collecting is.
/// `pin`: the key that pins, named in the hint (none in a mirror).
fn baseline_line(state: &State, inner: usize, pin: Option<&str>) -> Line<'static> {
    let h = &state.session.health;
    if let Some(b) = h.baseline() {
        let who = match b.source {
            BaselineSource::Auto => "auto",
            BaselineSource::Operator => "pinned",
            BaselineSource::Given => "given",
        };
        let tz = crate::core::window::zone(state.runbook().window.as_ref());
        let at = b.pinned_at.with_timezone(&tz);
        let mut line = Line::from(vec![
            Span::styled("base ", theme::dim()),
            Span::styled(
                format!("err {} p95 {}", pct(b.error_rate), opt(b.latency_ms, ms)),
                theme::title(),
            ),
        ]);
        // Pinned at the 10th sample, later than asked: the deployment's
        // first moments may be in it, and a polluted baseline hides a
        // breach. Said before the time of the pin, in the words that fit.
        if let Some(asked) = h.pin.asked_at {
            let late = (b.pinned_at - asked).num_seconds().max(0);
            let warn = [
                format!(" · pinned {late}s late: may include the change"),
                format!(" · pinned {late}s late"),
                " · late".to_string(),
            ]
            .into_iter()
            .find(|w| line.width() + w.chars().count() <= inner);
            if let Some(w) = warn {
                line.push_span(Span::styled(w, theme::amber()));
            }
        }
        let when = format!(" · {who} {:02}:{:02}", at.hour(), at.minute());
        if line.width() + when.chars().count() <= inner {
            line.push_span(Span::styled(when, theme::dim()));
        }
        return line;
    }
    let (have, need) = h.collecting().unwrap_or_default();
    // The hint whole or not at all: "· b" alone would name no action.
    let fits = |text: String| match pin.map(|k| format!(" · {k} pins")) {
        Some(hint) if text.chars().count() + hint.chars().count() <= inner => text + &hint,
        _ => text,
    };
    let text = if let Some(why) = h.pin.unhealthy(&h.pin_stats()) {
        // Never a failing window as "normal": it would hide the outage.
        format!("baseline: unhealthy, not pinned ({why}) · pins once healthy")
    } else if h.pin.requested.is_some() {
        format!("baseline: pins at sample {need} ({have}/{need})")
    } else if have >= need {
        // Enough samples: only a pin (b, or the deployment's first command) is missing.
        fits(format!("baseline: not pinned ({})", count(have, "sample")))
    } else {
        fits(format!("baseline: collecting ({have}/{need} samples)"))
    };
    Line::styled(text, theme::amber())
}
