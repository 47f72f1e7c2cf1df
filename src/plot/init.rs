//! The init comparison (init.png): training-loss curves of N(0, 1) and He initial weights.

use anyhow::Result;
use plotters::prelude::*;

use super::chart::{legend, log_chart, log_points, log_range, solid};
use super::{PALETTE, draw_lines, font, plot_err, render, wrap_text};

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
    let title = wrap_text(title, 20.0, w - 32);
    let header = 24 + 26 * title.len() as u32;
    let h = header + panel_h * panels.len().max(1) as u32;
    render(w, h, |root| {
        let (top, body) = root.split_vertically(header);
        draw_lines(&top, &title, (16, 14), 26, &font(20.0))?;
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
