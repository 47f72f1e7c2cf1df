//! A run's training curves (loss.png): loss, accuracy and agreement panels.

use std::ops::Range;

use anyhow::Result;
use plotters::prelude::*;

use super::chart::{
    epoch_label, finite_points, legend, log_chart, log_points, log_range, markers, solid,
};
use super::{Area, PALETTE, font, plot_err, render};
use crate::metrics::EpochMetrics;

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
