//! Line charts: a run's training curves, and the init comparison.

use std::ops::Range;

use anyhow::Result;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{Area, PALETTE, font, plot_err, render};
use crate::metrics::EpochMetrics;

/// Values this small or zero are drawn at this floor on log axes.
const LOG_FLOOR: f64 = 1e-17;

/// A log-axis range around the finite positive `values` (floored at [`LOG_FLOOR`]).
fn log_range(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .map(|v| v.max(LOG_FLOOR))
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() || hi <= 0.0 {
        return 1e-3..1.0;
    }
    let (lo, hi) = (lo / 2.0, hi * 2.0);
    if hi / lo < 10.0 {
        let mid = (lo * hi).sqrt();
        return mid / 3.2..mid * 3.2;
    }
    lo..hi
}

fn finite_points(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    points.filter(|p| p.1.is_finite()).collect()
}

fn log_points(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    points
        .filter(|p| p.1.is_finite())
        .map(|(x, y)| (x, y.max(LOG_FLOOR)))
        .collect()
}

/// Whole epochs only: short ranges get fractional ticks, which stay unlabelled.
fn epoch_label(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        String::new()
    }
}

/// Curves with this few points also get a marker per point (a run that diverged early has one
/// or two).
const MARKERS_UP_TO: usize = 40;

fn markers<'a, DB: DrawingBackend + 'a, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'a, DB, CT>,
    points: &[(f64, f64)],
    style: ShapeStyle,
) -> Result<()> {
    if points.len() <= MARKERS_UP_TO {
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 3, style)))
            .map_err(plot_err)?;
    }
    Ok(())
}

fn sci(v: &f64) -> String {
    format!("{v:.0e}")
}

type LogChart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<RangedCoordf64, plotters::coord::combinators::LogCoord<f64>>,
>;

fn log_chart<'a, 'b>(
    area: &'a Area<'b>,
    caption: &str,
    x: Range<f64>,
    y: Range<f64>,
    y_desc: &str,
) -> Result<LogChart<'a, 'b>> {
    let mut chart = ChartBuilder::on(area)
        .caption(caption, font(17.0))
        .margin(10)
        .margin_right(24)
        .x_label_area_size(40)
        .y_label_area_size(74)
        .build_cartesian_2d(x, y.log_scale())
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_label_formatter(&epoch_label)
        .y_desc(y_desc)
        .y_label_formatter(&sci)
        .label_style(font(13.0))
        .axis_desc_style(font(14.0))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(plot_err)?;
    Ok(chart)
}

fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .label_font(font(13.0))
        .draw()
        .map_err(plot_err)
}

fn solid(c: RGBColor, w: u32) -> ShapeStyle {
    c.stroke_width(w)
}

/// What the agreement panel draws the curve against.
#[derive(Debug, Clone, Copy)]
pub struct AgreementLine {
    /// `err_bound_limit`.
    pub limit: f64,
}

/// `loss.png`: training loss of both twins per epoch (log scale; epoch 0 is the initial loss),
/// train and test accuracy of both twins, and the per-epoch worst `err_bound` against its limit
/// (log scale). Solid lines: hand-written twin; dashed: burn twin. The
/// epoch axis spans the `epochs` planned; `note` (e.g. why the run stopped) goes under the title.
pub fn loss_png(
    metrics: &[EpochMetrics],
    initial_loss: Option<(f64, f64)>,
    epochs: usize,
    agreement: AgreementLine,
    title: &str,
    note: Option<&str>,
) -> Result<Vec<u8>> {
    let (w, h) = (900, 1000 + if note.is_some() { 24 } else { 0 });
    render(w, h, |root| {
        let (top, body) = root.split_vertically(if note.is_some() { 68 } else { 44 });
        top.draw(&Text::new(title.to_owned(), (16, 12), font(20.0)))
            .map_err(plot_err)?;
        if let Some(note) = note {
            top.draw(&Text::new(
                note.to_owned(),
                (16, 42),
                font(14.0).color(&RGBColor(0xc0, 0x20, 0x20)),
            ))
            .map_err(plot_err)?;
        }
        let panels = body.split_evenly((3, 1));
        let last_epoch = metrics.last().map_or(1, |m| m.epoch).max(epochs).max(1) as f64;
        let x = 0.0..last_epoch;
        loss_panel(&panels[0], metrics, initial_loss, x.clone())?;
        accuracy_panel(&panels[1], metrics, x.clone())?;
        agreement_panel(&panels[2], metrics, agreement, x)
    })
}

/// Training loss of both twins per epoch (log scale; epoch 0 is the initial loss).
fn loss_panel(
    area: &Area,
    metrics: &[EpochMetrics],
    initial_loss: Option<(f64, f64)>,
    x: Range<f64>,
) -> Result<()> {
    let (blue, orange) = (PALETTE[0], PALETTE[1]);
    let epochs = || metrics.iter().map(|m| m.epoch as f64);
    let init = |pick: fn((f64, f64)) -> f64| initial_loss.map(|l| (0.0, pick(l)));
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
    let y = log_range(manual.iter().chain(&burn).map(|p| p.1));
    let mut chart = log_chart(
        area,
        "training loss (whole training split; epoch 0 = initial parameters)",
        x,
        y,
        "cross-entropy (log scale)",
    )?;
    markers(&mut chart, &manual, blue.filled())?;
    markers(&mut chart, &burn, orange.stroke_width(1))?;
    chart
        .draw_series(LineSeries::new(manual, solid(blue, 3)))
        .map_err(plot_err)?
        .label("hand-written twin")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], solid(blue, 3)));
    chart
        .draw_series(DashedLineSeries::new(burn, 6, 4, solid(orange, 2)))
        .map_err(plot_err)?
        .label("burn twin (dashed)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], solid(orange, 2)));
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;

    Ok(())
}

/// Train and test accuracy of both twins per epoch.
fn accuracy_panel(area: &Area, metrics: &[EpochMetrics], x: Range<f64>) -> Result<()> {
    let (blue, orange) = (PALETTE[0], PALETTE[1]);
    // Accuracy.
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
    let mut chart = ChartBuilder::on(area)
        .caption("accuracy", font(17.0))
        .margin(10)
        .margin_right(24)
        .x_label_area_size(40)
        .y_label_area_size(74)
        .build_cartesian_2d(x, lo..1.005)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_label_formatter(&epoch_label)
        .y_desc("accuracy")
        .y_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
        .label_style(font(13.0))
        .axis_desc_style(font(14.0))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(plot_err)?;
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
        markers(&mut chart, &m, c.filled())?;
        chart
            .draw_series(LineSeries::new(m, solid(c, 3)))
            .map_err(plot_err)?
            .label(format!("{name}, hand-written"))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], solid(c, 3)));
        let dark = RGBColor(c.0 / 2, c.1 / 2, c.2 / 2);
        chart
            .draw_series(DashedLineSeries::new(b, 6, 4, solid(dark, 1)))
            .map_err(plot_err)?
            .label(format!("{name}, burn (dashed)"))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], solid(dark, 1)));
    }
    if any_accuracy {
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    }

    Ok(())
}

/// The per-epoch worst `err_bound` against its limit (log scale).
fn agreement_panel(
    area: &Area,
    metrics: &[EpochMetrics],
    agreement: AgreementLine,
    x: Range<f64>,
) -> Result<()> {
    let (green, red) = (PALETTE[4], PALETTE[2]);
    let epochs = || metrics.iter().map(|m| m.epoch as f64);
    let last_epoch = x.end;
    // Agreement, in units of the rounding bound; an exact 0 (bit for bit) sits on the floor.
    // Below 1e-3 of the bound nothing is worth telling apart: such values (and exact
    // zeros) sit on that floor, which the legend names.
    const FLOOR: f64 = 1e-3;
    let e: Vec<(f64, f64)> = epochs()
        .zip(metrics.iter().map(|m| m.err_bound))
        .filter(|p| p.1.is_finite())
        .map(|(x, v)| (x, v.max(FLOOR)))
        .collect();
    let exact = metrics.iter().all(|m| m.err_bound == 0.0);
    let ambiguous: usize = metrics.iter().map(|m| m.ambiguous_units).sum();
    let top = e.iter().map(|p| p.1).fold(agreement.limit, f64::max);
    // Room above the curve and the limit line for the legend.
    let y = FLOOR / 2.0..top * 1e3;
    let mut chart = log_chart(
        area,
        "agreement: worst err_bound within each epoch (units of the rounding bound)",
        x,
        y,
        "err_bound (log scale)",
    )?;
    markers(&mut chart, &e, green.filled())?;
    let label = if exact {
        "err_bound: 0 at every step (bit for bit), drawn on the floor (1e-3)".to_owned()
    } else {
        format!(
            "err_bound (hand-written vs burn at burn's parameters; {ambiguous} ambiguous ReLU units)"
        )
    };
    chart
        .draw_series(LineSeries::new(e, solid(green, 2)))
        .map_err(plot_err)?
        .label(label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], solid(green, 2)));
    let t = agreement.limit;
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, t), (last_epoch, t)],
            8,
            5,
            solid(red, 2),
        ))
        .map_err(plot_err)?
        .label(format!("err_bound_limit {t}: above it, FAIL"))
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], solid(red, 2)));
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// One training-loss curve of the init comparison.
#[derive(Debug, Clone)]
pub struct InitCurve {
    /// The hidden layers, e.g. `[64, 64, 64]`: one colour per shape.
    pub shape: String,
    /// `normal` (solid) or `he` (dashed).
    pub init: String,
    /// `(epoch, loss)`, epoch 0 = initial parameters.
    pub points: Vec<(f64, f64)>,
    /// The run diverged after its last point (marked with a cross).
    pub diverged: bool,
}

/// The init comparison: per data set one panel of training-loss curves (log scale), a colour
/// per network shape, solid for `init = "normal"` and dashed for `init = "he"`.
pub fn init_png(panels: &[(String, Vec<InitCurve>)], title: &str) -> Result<Vec<u8>> {
    let (w, panel_h) = (1000u32, 430u32);
    let h = 50 + panel_h * panels.len().max(1) as u32;
    render(w, h, |root| {
        let (top, body) = root.split_vertically(50);
        top.draw(&Text::new(title.to_owned(), (16, 14), font(20.0)))
            .map_err(plot_err)?;
        let areas = body.split_evenly((panels.len().max(1), 1));
        for ((data, curves), area) in panels.iter().zip(&areas) {
            let mut shapes: Vec<&str> = Vec::new();
            for c in curves {
                if !shapes.contains(&c.shape.as_str()) {
                    shapes.push(&c.shape);
                }
            }
            let last = curves
                .iter()
                .flat_map(|c| c.points.iter().map(|p| p.0))
                .fold(1.0f64, f64::max);
            let y = log_range(curves.iter().flat_map(|c| c.points.iter().map(|p| p.1)));
            let mut chart = log_chart(
                area,
                &format!("{data}: training loss, N(0,1) solid vs He dashed"),
                0.0..last,
                y,
                "cross-entropy (log scale)",
            )?;
            for c in curves {
                let k = shapes.iter().position(|s| *s == c.shape).unwrap_or(0);
                let colour = PALETTE[[0, 1, 2, 4, 6, 8, 3, 5, 7, 9][k % 10]];
                let pts = log_points(c.points.iter().copied());
                let he = c.init == "he";
                let label = format!(
                    "{} {}{}",
                    c.shape,
                    if he { "he" } else { "normal" },
                    if c.diverged { " (diverged)" } else { "" }
                );
                let style = solid(colour, if he { 2 } else { 3 });
                let anno = if he {
                    chart
                        .draw_series(DashedLineSeries::new(pts.clone(), 7, 5, style))
                        .map_err(plot_err)?
                } else {
                    chart
                        .draw_series(LineSeries::new(pts.clone(), style))
                        .map_err(plot_err)?
                };
                anno.label(label).legend(move |(x, y)| {
                    if he {
                        PathElement::new([(x, y), (x + 8, y)], style)
                    } else {
                        PathElement::new([(x, y), (x + 24, y)], style)
                    }
                });
                if let Some(&p) = pts.last().filter(|_| c.diverged) {
                    let epoch = p.0 as usize + 1;
                    chart
                        .draw_series([EmptyElement::at(p)
                            + Cross::new((0, 0), 7, colour.stroke_width(3))
                            + Text::new(
                                format!("{} {}: diverged in epoch {epoch}", c.shape, c.init),
                                (12, -6),
                                font(13.0).color(&colour),
                            )])
                        .map_err(plot_err)?;
                }
            }
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
        Ok(())
    })
}
