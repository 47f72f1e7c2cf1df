//! A run's training curves (loss.png): loss, accuracy and agreement panels, and a panel of the
//! gated relative errors when `grad_tol` or `drift_tol` is set.

use std::ops::Range;

use anyhow::Result;
use plotters::prelude::*;

use super::chart::{
    centred_note, epoch_chart_builder, epoch_mesh, finite_points, legend, log_chart, log_points,
    log_range, markers, solid,
};
use super::{Area, PALETTE, draw_lines, font, plot_err, render, tint, wrap_text};
use crate::divergence::Blowup;
use crate::metrics::{Disagreement, EpochMetrics, Measure};

/// The gates the agreement panels draw the curves against.
#[derive(Debug, Clone, Copy)]
pub struct Gates {
    /// `err_bound_limit`.
    pub err_bound_limit: f64,
    /// `grad_tol` and `drift_tol` when the config sets them (None: measured, not gated).
    pub grad_tol: Option<f64>,
    pub drift_tol: Option<f64>,
}

impl Gates {
    /// The limit a measure is drawn against; None: measured, not gated.
    pub fn limit(&self, measure: Measure) -> Option<f64> {
        match measure {
            Measure::ErrBound => Some(self.err_bound_limit),
            Measure::GradRelErr => self.grad_tol,
            Measure::Drift => self.drift_tol,
        }
    }
}

/// What `loss.png` shows.
#[derive(Debug, Clone, Copy)]
pub struct LossPicture<'a> {
    pub metrics: &'a [EpochMetrics],
    /// Loss of the initial parameters (hand-written, burn), drawn at epoch 0.
    pub initial_loss: Option<(f64, f64)>,
    /// Epochs planned: the epoch axis spans them (unless the run diverged).
    pub epochs: usize,
    /// Training steps per epoch (places a step inside its epoch).
    pub steps_per_epoch: usize,
    pub gates: Gates,
    pub title: &'a str,
    /// The first step at which the twins disagreed: marked in the panel of its measure.
    pub first_fail: Option<&'a Disagreement>,
    /// The run diverged there, with this message (drawn under the title).
    pub diverged: Option<(Blowup, &'a str)>,
}

const WIDTH: u32 = 900;
/// The height of three panels.
const THREE_PANELS: u32 = 956;
const TITLE_SIZE: f64 = 20.0;
const NOTE_SIZE: f64 = 14.0;
const FAIL_RED: RGBColor = RGBColor(0xc0, 0x20, 0x20);
/// grad_rel_err and drift in the gated panel.
const GRAD_COLOUR: RGBColor = PALETTE[3];
const DRIFT_COLOUR: RGBColor = PALETTE[6];

/// `loss.png`: training loss of both twins per epoch (log scale; epoch 0 is the initial loss),
/// train and test accuracy of both twins, the per-epoch worst `err_bound` against its limit
/// (log scale), and, when gated, `grad_rel_err` and `drift` against `grad_tol` and `drift_tol`.
/// Wide light bands: hand-written twin; dashed lines on top: burn twin. A diverged run's
/// axis ends with the epoch it diverged in, where a red cross marks the loss it reached.
pub fn loss_png(p: &LossPicture) -> Result<Vec<u8>> {
    let title = wrap_text(p.title, TITLE_SIZE, WIDTH - 32);
    let note = p.diverged.map_or_else(Vec::new, |(_, message)| {
        wrap_text(message, NOTE_SIZE, WIDTH - 32)
    });
    // 44 pixels for a title on one line, 24 more for a note on one line.
    let header = 18
        + 26 * title.len() as u32
        + if note.is_empty() {
            0
        } else {
            4 + 20 * note.len() as u32
        };
    let gated = p.gates.grad_tol.is_some() || p.gates.drift_tol.is_some();
    let panels = 3 + usize::from(gated);
    let h = header + THREE_PANELS * panels as u32 / 3;
    render(WIDTH, h, |root| {
        let (top, body) = root.split_vertically(header);
        let used = draw_lines(&top, &title, (16, 12), 26, &font(TITLE_SIZE))?;
        draw_lines(
            &top,
            &note,
            (16, 12 + used + 4),
            20,
            &font(NOTE_SIZE).color(&FAIL_RED),
        )?;
        let areas = body.split_evenly((panels, 1));
        let blowup = p
            .diverged
            .map(|(b, _)| (b, blowup_x(&b, p.steps_per_epoch)));
        let last_metric = p.metrics.last().map_or(0, |m| m.epoch);
        let last_epoch = match blowup {
            // The epochs before the blow-up and the one it happened in.
            Some((b, _)) => last_metric.max(b.epoch),
            None => last_metric.max(p.epochs),
        }
        .max(1) as f64;
        let x = 0.0..last_epoch;
        let blowup_at = blowup.map(|(_, x)| x);
        loss_panel(&areas[0], p, x.clone(), blowup)?;
        accuracy_panel(&areas[1], p.metrics, x.clone(), blowup_at)?;
        agreement_panel(&areas[2], p, x.clone(), blowup_at)?;
        if gated {
            gated_panel(&areas[3], p, x, blowup_at)?;
        }
        Ok(())
    })
}

/// Where on the epoch axis a blow-up goes: after its step, inside its epoch.
fn blowup_x(b: &Blowup, steps_per_epoch: usize) -> f64 {
    let per = steps_per_epoch.max(1) as f64;
    let epoch = b.epoch.max(1) as f64;
    ((b.step + 1) as f64 / per).clamp(epoch - 1.0, epoch)
}

/// Where on the epoch axis a step's end goes.
fn step_x(epoch: usize, step: usize, steps_per_epoch: usize) -> f64 {
    let per = steps_per_epoch.max(1) as f64;
    let epoch = epoch.max(1) as f64;
    ((step + 1) as f64 / per).clamp(epoch - 1.0, epoch)
}

/// A legend sample of a wide light band (the hand-written twin).
fn band_sample(c: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new([(x, y), (x + 24, y)], band(c))
}

/// A legend sample of a dashed line: two dashes (the burn twin, and limits). A macro: the
/// element's type names the chart's backend and its lifetime.
macro_rules! dash_sample {
    ($style:expr) => {{
        let style: ShapeStyle = $style;
        move |(x, y): (i32, i32)| {
            EmptyElement::at((x, y))
                + PathElement::new([(0, 0), (9, 0)], style)
                + PathElement::new([(14, 0), (24, 0)], style)
        }
    }};
}

/// The hand-written twin: a wide band of the tinted colour, under the burn twin's dashes.
fn band(c: RGBColor) -> ShapeStyle {
    solid(tint(c, 0.45), 7)
}

/// The burn twin: dashes of a darker shade, drawn last.
fn dark(c: RGBColor) -> RGBColor {
    RGBColor(
        (c.0 as f64 * 0.7) as u8,
        (c.1 as f64 * 0.7) as u8,
        (c.2 as f64 * 0.7) as u8,
    )
}

/// A red dashed vertical line at the blow-up.
fn blowup_line<CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, BitMapBackend<'_>, CT>,
    x: f64,
    y: &Range<f64>,
) -> Result<()> {
    chart
        .draw_series(DashedLineSeries::new(
            [(x, y.start), (x, y.end)],
            4,
            4,
            solid(FAIL_RED, 1),
        ))
        .map_err(plot_err)?;
    Ok(())
}

/// Training loss of both twins per epoch (log scale; epoch 0 is the initial loss).
fn loss_panel(
    area: &Area,
    p: &LossPicture,
    x: Range<f64>,
    blowup: Option<(Blowup, f64)>,
) -> Result<()> {
    let (blue, orange) = (PALETTE[0], PALETTE[1]);
    let metrics = p.metrics;
    let epochs = || metrics.iter().map(|m| m.epoch as f64);
    let init = |pick: fn((f64, f64)) -> f64| p.initial_loss.map(|l| (0.0, pick(l)));
    let manual: Vec<(f64, f64)> = log_points(
        init(|l| l.0)
            .into_iter()
            .chain(epochs().zip(metrics.iter().map(|m| m.loss_manual))),
    );
    let burn: Vec<(f64, f64)> = log_points(
        init(|l| l.1)
            .into_iter()
            .chain(epochs().zip(metrics.iter().map(|m| m.loss_burn))),
    );
    let reached = blowup.map(|(b, _)| b.loss).filter(|l| l.is_finite());
    let y = log_range(manual.iter().chain(&burn).map(|p| p.1).chain(reached));
    let y = if blowup.is_some() {
        // Room above for the mark of a NaN or infinite loss and its text.
        y.start..y.end * 30.0
    } else {
        y
    };
    let mut chart = log_chart(
        area,
        "training loss (whole training split; epoch 0 = initial parameters)",
        x,
        y.clone(),
        "cross-entropy (log scale)",
    )?;
    chart
        .draw_series(LineSeries::new(manual.clone(), band(blue)))
        .map_err(plot_err)?
        .label("hand-written twin (wide band)")
        .legend(band_sample(blue));
    markers(&mut chart, &manual, tint(blue, 0.6).filled())?;
    let style = solid(dark(orange), 2);
    chart
        .draw_series(DashedLineSeries::new(burn.clone(), 7, 5, style))
        .map_err(plot_err)?
        .label("burn twin (dashed, on top)")
        .legend(dash_sample!(style));
    markers(&mut chart, &burn, dark(orange).stroke_width(2))?;
    if let Some((b, bx)) = blowup {
        blowup_line(&mut chart, bx, &y)?;
        let (at, value) = if b.loss.is_finite() {
            (
                (bx, b.loss.max(super::chart::LOG_FLOOR)),
                format!("{:.3e}", b.loss),
            )
        } else {
            // Drawn at the top: a NaN or infinite loss has no place on the axis.
            ((bx, y.end / 3.0), format!("{}", b.loss))
        };
        // From the last loss drawn to the one it blew up to.
        if let Some(&last) = burn.last() {
            chart
                .draw_series(DashedLineSeries::new([last, at], 3, 3, solid(FAIL_RED, 2)))
                .map_err(plot_err)?;
        }
        let text = format!(
            "diverged at epoch {}, step {}: loss {value}",
            b.epoch, b.step
        );
        // The text left of the mark when the mark is in the right half.
        let right_half = bx > (chart.x_range().start + chart.x_range().end) / 2.0;
        let dx = if right_half {
            -12 - super::text_width(&text, 14.0) as i32
        } else {
            12
        };
        chart
            .draw_series([EmptyElement::at(at)
                + Cross::new((0, 0), 8, FAIL_RED.stroke_width(3))
                + Text::new(text, (dx, -8), font(14.0).color(&FAIL_RED))])
            .map_err(plot_err)?;
    }
    let corner = if blowup.is_some() {
        SeriesLabelPosition::LowerRight
    } else {
        SeriesLabelPosition::UpperRight
    };
    legend(&mut chart, corner)
}

/// Train and test accuracy of both twins per epoch.
fn accuracy_panel(
    area: &Area,
    metrics: &[EpochMetrics],
    x: Range<f64>,
    blowup_at: Option<f64>,
) -> Result<()> {
    let (blue, orange) = (PALETTE[0], PALETTE[1]);
    let acc: Vec<f64> = metrics
        .iter()
        .flat_map(|m| {
            [
                Some(m.train_acc_manual),
                Some(m.train_acc_burn),
                m.test_acc_manual,
                m.test_acc_burn,
            ]
        })
        .flatten()
        .filter(|v| v.is_finite())
        .collect();
    let lo = acc.iter().copied().fold(1.0f64, f64::min);
    let lo = ((lo - 0.03).max(0.0) * 20.0).floor() / 20.0;
    let y = lo..1.005;
    let mut chart = epoch_chart_builder(area, "accuracy")
        .build_cartesian_2d(x, y.clone())
        .map_err(plot_err)?;
    epoch_mesh(&mut chart, "accuracy", &|v| format!("{:.0}%", 100.0 * v))?;
    type Pick = fn(&EpochMetrics) -> Option<f64>;
    let series: [(&str, RGBColor, Pick, Pick); 2] = [
        (
            "train",
            blue,
            |m| Some(m.train_acc_manual),
            |m| Some(m.train_acc_burn),
        ),
        ("test", orange, |m| m.test_acc_manual, |m| m.test_acc_burn),
    ];
    let mut any_accuracy = false;
    for (name, c, manual, burn) in series {
        let pts = |f: Pick| {
            finite_points(
                metrics
                    .iter()
                    .filter_map(|m| f(m).map(|v| (m.epoch as f64, v))),
            )
        };
        let (m, b) = (pts(manual), pts(burn));
        if m.is_empty() && b.is_empty() {
            continue;
        }
        any_accuracy = true;
        chart
            .draw_series(LineSeries::new(m.clone(), band(c)))
            .map_err(plot_err)?
            .label(format!("{name}, hand-written (wide band)"))
            .legend(band_sample(c));
        markers(&mut chart, &m, tint(c, 0.6).filled())?;
        let style = solid(dark(c), 2);
        chart
            .draw_series(DashedLineSeries::new(b.clone(), 7, 5, style))
            .map_err(plot_err)?
            .label(format!("{name}, burn (dashed, on top)"))
            .legend(dash_sample!(style));
        markers(&mut chart, &b, dark(c).stroke_width(2))?;
    }
    if let Some(bx) = blowup_at {
        blowup_line(&mut chart, bx, &y)?;
    }
    if any_accuracy {
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    } else if blowup_at.is_some() {
        centred_note(
            &chart,
            "no accuracy: the run diverged before its first epoch ended",
        )?;
    }
    Ok(())
}

/// Below 1e-3 of a limit nothing is worth telling apart: such values (and exact zeros) are
/// drawn on that floor, which the legend names.
const FLOOR: f64 = 1e-3;

/// The per-epoch worst `err_bound` against its limit (log scale).
fn agreement_panel(
    area: &Area,
    p: &LossPicture,
    x: Range<f64>,
    blowup_at: Option<f64>,
) -> Result<()> {
    let (green, red) = (PALETTE[4], PALETTE[2]);
    let metrics = p.metrics;
    let limit = p.gates.err_bound_limit;
    let last_epoch = x.end;
    // Agreement, in units of the rounding bound; an exact 0 (bit for bit) sits on the floor.
    let e: Vec<(f64, f64)> = metrics
        .iter()
        .map(|m| (m.epoch as f64, m.err_bound))
        .filter(|p| p.1.is_finite())
        .map(|(x, v)| (x, v.max(FLOOR)))
        .collect();
    let fail = p.first_fail.filter(|d| d.measure == Measure::ErrBound);
    let top = e
        .iter()
        .map(|p| p.1)
        .chain(fail.map(|d| d.value).filter(|v| v.is_finite()))
        .chain(Some(limit).filter(|v| v.is_finite()))
        .fold(FLOOR, f64::max);
    // Room above the curve and the limit line for the legend.
    let y = FLOOR / 2.0..top * 1e3;
    let mut chart = log_chart(
        area,
        "agreement: worst err_bound within each epoch (units of the rounding bound)",
        x,
        y.clone(),
        "err_bound (log scale)",
    )?;
    if !e.is_empty() {
        let exact = metrics.iter().all(|m| m.err_bound == 0.0);
        let ambiguous: usize = metrics.iter().map(|m| m.ambiguous_units).sum();
        let label = if exact {
            "err_bound: 0 at every step (bit for bit), drawn on the floor (1e-3)".to_owned()
        } else {
            format!(
                "err_bound (hand-written vs burn at burn's parameters; {ambiguous} ambiguous ReLU units)"
            )
        };
        markers(&mut chart, &e, green.filled())?;
        chart
            .draw_series(LineSeries::new(e, solid(green, 2)))
            .map_err(plot_err)?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], solid(green, 2)));
    }
    // `err_bound_limit = inf` checks nothing: there is no line to draw (and a log axis up to
    // infinity would never end).
    if limit.is_finite() {
        limit_line(
            &mut chart,
            (limit, last_epoch),
            solid(red, 2),
            format!("err_bound_limit {limit}: above it, FAIL"),
        )?;
    }
    if let Some(d) = fail {
        mark_fail(&mut chart, d, p.steps_per_epoch, FLOOR)?;
    }
    if let Some(bx) = blowup_at {
        blowup_line(&mut chart, bx, &y)?;
        if metrics.is_empty() {
            centred_note(
                &chart,
                "no epoch completed before the divergence: no per-epoch err_bound to show",
            )?;
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// A gate's limit `at.0` as a dashed line across the epochs up to `at.1`, with its legend.
fn limit_line<'a, 'b: 'a>(
    chart: &mut super::chart::LogChart<'a, 'b>,
    at: (f64, f64),
    style: ShapeStyle,
    label: String,
) -> Result<()> {
    let (limit, last_epoch) = at;
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, limit), (last_epoch, limit)],
            8,
            5,
            style,
        ))
        .map_err(plot_err)?
        .label(label)
        .legend(dash_sample!(style));
    Ok(())
}

/// A red ring at the first disagreement, with its step.
fn mark_fail(
    chart: &mut super::chart::LogChart,
    d: &Disagreement,
    per: usize,
    floor: f64,
) -> Result<()> {
    let at = (step_x(d.epoch, d.step, per), d.value.max(floor));
    chart
        .draw_series([EmptyElement::at(at)
            + Circle::new((0, 0), 7, FAIL_RED.stroke_width(2))
            + Text::new(
                format!("FAIL: epoch {}, step {}", d.epoch, d.step),
                (10, 6),
                font(13.0).color(&FAIL_RED),
            )])
        .map_err(plot_err)?;
    Ok(())
}

/// `grad_rel_err` and `drift` per epoch (the worst within each epoch; log scale) against
/// `grad_tol` and `drift_tol`, each drawn only when it is gated.
fn gated_panel(area: &Area, p: &LossPicture, x: Range<f64>, blowup_at: Option<f64>) -> Result<()> {
    type Pick = fn(&EpochMetrics) -> f64;
    let gated: Vec<(Measure, f64, RGBColor, Pick)> = [
        (
            Measure::GradRelErr,
            GRAD_COLOUR,
            (|m| m.grad_rel_err) as Pick,
        ),
        (Measure::Drift, DRIFT_COLOUR, |m| m.drift),
    ]
    .into_iter()
    .filter_map(|(measure, c, pick)| p.gates.limit(measure).map(|t| (measure, t, c, pick)))
    .collect();
    // Values below 1e-3 of the smallest tolerance sit on that floor.
    let floor = gated.iter().map(|g| g.1).fold(f64::INFINITY, f64::min) * FLOOR;
    let floor = if floor.is_finite() && floor > 0.0 {
        floor
    } else {
        super::chart::LOG_FLOOR
    };
    let curves: Vec<Vec<(f64, f64)>> = gated
        .iter()
        .map(|&(_, _, _, pick)| {
            p.metrics
                .iter()
                .map(|m| (m.epoch as f64, pick(m)))
                .filter(|p| p.1.is_finite())
                .map(|(x, v)| (x, v.max(floor)))
                .collect()
        })
        .collect();
    let fail = p
        .first_fail
        .filter(|d| gated.iter().any(|g| g.0 == d.measure));
    let top = curves
        .iter()
        .flatten()
        .map(|p| p.1)
        .chain(gated.iter().map(|g| g.1))
        .chain(fail.map(|d| d.value).filter(|v| v.is_finite()))
        .fold(floor, f64::max);
    let y = floor / 2.0..top * 1e3;
    let mut chart = log_chart(
        area,
        "agreement: gated relative errors, worst within each epoch",
        x.clone(),
        y.clone(),
        "relative error (log scale)",
    )?;
    for ((measure, tol, c, _), pts) in gated.iter().zip(curves) {
        let (name, tol, c) = (measure.name(), *tol, *c);
        let all_zero = !pts.is_empty() && pts.iter().all(|p| p.1 <= floor);
        markers(&mut chart, &pts, c.filled())?;
        chart
            .draw_series(LineSeries::new(pts, solid(c, 2)))
            .map_err(plot_err)?
            .label(if all_zero {
                format!("{name} (every epoch under {floor:.0e}, drawn on that floor)")
            } else {
                name.to_owned()
            })
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], solid(c, 2)));
        let style = solid(dark(c), 2);
        let limit = measure.limit_name();
        limit_line(
            &mut chart,
            (tol, x.end),
            style,
            format!("{limit} {tol:e}: above it, FAIL"),
        )?;
    }
    if let Some(d) = fail {
        mark_fail(&mut chart, d, p.steps_per_epoch, floor)?;
    }
    if let Some(bx) = blowup_at {
        blowup_line(&mut chart, bx, &y)?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}
