//! What the line charts share: log axes with a floor for zeros, epoch ticks, markers, legends.

use std::ops::Range;

use anyhow::Result;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{Area, font, plot_err};

/// Values this small or zero are drawn at this floor on log axes.
pub(super) const LOG_FLOOR: f64 = 1e-17;

/// A log-axis range around the finite positive `values` (floored at [`LOG_FLOOR`]).
pub(super) fn log_range(values: impl Iterator<Item = f64>) -> Range<f64> {
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

pub(super) fn finite_points(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    points.filter(|p| p.1.is_finite()).collect()
}

pub(super) fn log_points(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    points
        .filter(|p| p.1.is_finite())
        .map(|(x, y)| (x, y.max(LOG_FLOOR)))
        .collect()
}

/// Whole epochs only: short ranges get fractional ticks, which stay unlabelled.
pub(super) fn epoch_label(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        String::new()
    }
}

/// Curves with this few points also get a marker per point (a run that diverged early has one
/// or two).
pub(super) const MARKERS_UP_TO: usize = 40;

pub(super) fn markers<'a, DB: DrawingBackend + 'a, CT: CoordTranslate<From = (f64, f64)>>(
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

pub(super) fn sci(v: &f64) -> String {
    format!("{v:.0e}")
}

pub(super) type LogChart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<RangedCoordf64, plotters::coord::combinators::LogCoord<f64>>,
>;

pub(super) fn log_chart<'a, 'b>(
    area: &'a Area<'b>,
    caption: &str,
    x: Range<f64>,
    y: Range<f64>,
    y_desc: &str,
) -> Result<LogChart<'a, 'b>> {
    let mut chart = epoch_chart_builder(area, caption)
        .build_cartesian_2d(x, y.log_scale())
        .map_err(plot_err)?;
    epoch_mesh(&mut chart, y_desc, &sci)?;
    Ok(chart)
}

/// A chart over epochs (a panel of loss.png or init.png) with its caption.
pub(super) fn epoch_chart_builder<'a, 'b>(
    area: &'a Area<'b>,
    caption: &str,
) -> ChartBuilder<'a, 'b, BitMapBackend<'b>> {
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(caption, font(17.0))
        .margin(10)
        .margin_right(24)
        .x_label_area_size(40)
        .y_label_area_size(74);
    builder
}

/// The grid and axes of a chart over epochs: whole-epoch ticks, `y_desc` with `y_format`.
pub(super) fn epoch_mesh<'a, 'b, Y>(
    chart: &mut ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, Y>>,
    y_desc: &str,
    y_format: &dyn Fn(&f64) -> String,
) -> Result<()>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_label_formatter(&epoch_label)
        .y_desc(y_desc)
        .y_label_formatter(y_format)
        .label_style(font(13.0))
        .axis_desc_style(font(14.0))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(plot_err)
}

/// `text` in grey, centred across the chart's plotting area, below its middle (e.g. why a
/// panel has no curve).
pub(super) fn centred_note<'a, 'b, CT: CoordTranslate>(
    chart: &ChartContext<'a, BitMapBackend<'b>, CT>,
    text: &str,
) -> Result<()> {
    let area = chart.plotting_area().strip_coord_spec();
    let (w, h) = area.dim_in_pixel();
    let style = font(14.0).color(&RGBColor(90, 90, 90));
    let lines = super::wrap_text(text, 14.0, w.saturating_sub(40));
    let top = h as i32 * 2 / 3 - 9 * lines.len() as i32;
    for (i, line) in lines.iter().enumerate() {
        let x = (w as i32 - super::text_width(line, 14.0) as i32) / 2;
        area.draw(&Text::new(
            line.clone(),
            (x.max(4), top + 18 * i as i32),
            style.clone(),
        ))
        .map_err(plot_err)?;
    }
    Ok(())
}

pub(super) fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
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

pub(super) fn solid(c: RGBColor, w: u32) -> ShapeStyle {
    c.stroke_width(w)
}
