//! Draws a [`Plot`] as SVG with plotters' SVG backend. Without its `ttf`
//! feature plotters lays text out with a crude width estimate and writes
//! each label as an SVG `<text>`: no font file is read, so a chart is the
//! same on every machine.
//!
//! The colours are the chart's vocabulary, public so a test can tell the
//! lines apart: each kind of line has a colour of its own.

use chrono::TimeDelta;
use chrono_tz::Tz;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::charts::{MarkerKind, Plot};

pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 400;

/// The metric's lines, one colour per percentile in order.
pub const DATA: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
];
pub const BASELINE: RGBColor = RGBColor(90, 90, 90);
pub const THRESHOLD: RGBColor = RGBColor(214, 39, 40);
pub const PENDING: RGBColor = RGBColor(255, 191, 0);
pub const FIRING: RGBColor = RGBColor(220, 30, 30);
pub const COMMAND: RGBColor = RGBColor(50, 50, 50);
pub const ROLLBACK: RGBColor = RGBColor(255, 127, 14);
pub const RECOVERY: RGBColor = RGBColor(44, 160, 44);

/// How opaque a pending and a firing span are: light, strong.
pub const PENDING_OPACITY: f64 = 0.2;
pub const FIRING_OPACITY: f64 = 0.35;

/// The axis's time: the window's zone, and UTC beside it.
fn time_label(plot: &Plot, tz: Tz, x: f64) -> String {
    let t = plot.start + TimeDelta::milliseconds((x * 1000.0) as i64);
    let local = t.with_timezone(&tz).format("%H:%M:%S %Z").to_string();
    if tz == Tz::UTC {
        local
    } else {
        format!("{local} ({} UTC)", t.format("%H:%M"))
    }
}

fn top(plot: &Plot) -> f64 {
    let data = plot
        .series
        .iter()
        .flat_map(|s| s.runs.iter().flatten().map(|p| p.1));
    let levels = plot
        .baselines
        .iter()
        .chain(&plot.thresholds)
        .map(|l| l.value);
    let max = data.chain(levels).fold(0.0_f64, f64::max);
    let floor = match plot.metric {
        super::charts::Metric::Latency => 10.0,
        _ => 1.0,
    };
    (max * 1.15).max(floor)
}

fn small(c: RGBColor) -> TextStyle<'static> {
    TextStyle {
        color: c.to_backend_color(),
        ..TextStyle::from(("sans-serif", 11).into_font())
    }
}

/// Text that ends at its point (a label near the right edge), or sits on
/// top of it (a level's label, above its line).
fn anchored(c: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle {
        pos: Pos::new(h, v),
        ..small(c)
    }
}

fn err(e: impl std::fmt::Display) -> String {
    format!("drawing a chart: {e}")
}

/// The chart as an SVG document.
pub fn draw(plot: &Plot, tz: Tz) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let ymax = top(plot);
        let end = plot.end;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{} ({})", plot.metric.title(), plot.metric.unit()),
                ("sans-serif", 18),
            )
            .margin(12)
            // Half of the last time label sits past the plot's right edge.
            .margin_right(84)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..end, 0.0..ymax)
            .map_err(err)?;
        let label = |x: &f64| time_label(plot, tz, *x);
        chart
            .configure_mesh()
            .x_labels(5)
            .y_labels(6)
            .x_label_formatter(&label)
            .light_line_style(RGBColor(235, 235, 235))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(err)?;

        chart
            .draw_series(plot.spans.iter().map(|s| {
                let style = if s.firing {
                    FIRING.mix(FIRING_OPACITY).filled()
                } else {
                    PENDING.mix(PENDING_OPACITY).filled()
                };
                Rectangle::new([(s.from, 0.0), (s.to, ymax)], style)
            }))
            .map_err(err)?;

        for (level, dashed) in plot
            .baselines
            .iter()
            .map(|b| (b, false))
            .chain(plot.thresholds.iter().map(|t| (t, true)))
        {
            let color = if dashed { THRESHOLD } else { BASELINE };
            let line = [(level.from, level.value), (level.to.min(end), level.value)];
            if dashed {
                chart
                    .draw_series(DashedLineSeries::new(line, 6, 4, color.stroke_width(1)))
                    .map_err(err)?;
            } else {
                chart
                    .draw_series(LineSeries::new(line, color.stroke_width(1)))
                    .map_err(err)?;
            }
            chart
                .draw_series([Text::new(
                    level.label.clone(),
                    (level.from, level.value),
                    anchored(color, HPos::Left, VPos::Bottom),
                )])
                .map_err(err)?;
        }

        for (k, series) in plot.series.iter().enumerate() {
            let color = DATA[k % DATA.len()];
            for run in &series.runs {
                chart
                    .draw_series(LineSeries::new(run.iter().copied(), color.stroke_width(2)))
                    .map_err(err)?;
            }
            // A line from another source than the probe names it, alone
            // or not: "error rate (prometheus)".
            if (plot.series.len() > 1 || series.name.ends_with(')'))
                && let Some(last) = series.runs.last().and_then(|r| r.last())
            {
                chart
                    .draw_series([Text::new(series.name.clone(), *last, small(color))])
                    .map_err(err)?;
            }
        }

        // Labels in four rows under the top edge, so that neighbours do
        // not print over each other.
        for (i, m) in plot.markers.iter().enumerate() {
            let color = match m.kind {
                MarkerKind::Command => COMMAND,
                MarkerKind::Rollback => ROLLBACK,
                MarkerKind::Recovery => RECOVERY,
            };
            chart
                .draw_series([PathElement::new(
                    vec![(m.at, 0.0), (m.at, ymax)],
                    color.stroke_width(1),
                )])
                .map_err(err)?;
            let row = (i % 4) as f64;
            let h = if m.at > end * 0.6 {
                HPos::Right
            } else {
                HPos::Left
            };
            chart
                .draw_series([Text::new(
                    format!(" {} ", m.label),
                    (m.at, ymax * (0.97 - 0.06 * row)),
                    anchored(color, h, VPos::Top),
                )])
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(out)
}
