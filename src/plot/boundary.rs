//! Scatter pictures: the decision boundary of the final nets under the data, and raw data sets.

use anyhow::Result;
use ndarray::Array2;
use plotters::prelude::*;

use super::{Area, Plane, class_colour, draw_lines, font, plot_err, render, tint, wrap_text};
use crate::data::Prepared;
use crate::data::{Dataset, Normaliser};

/// Cells per side of the boundary raster.
pub const RASTER: usize = 300;

const WIDTH: u32 = 880;
const HEIGHT: u32 = 760;

/// What the boundary picture found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundaryStats {
    /// Raster cells classified.
    pub cells: usize,
    /// Cells where the hand-written and the burn twin predict different classes.
    pub differ: usize,
}

/// A classified raster over the plot's ranges: the colour of each cell, row by row from the
/// bottom (`b` low) and within a row from the left.
struct Raster {
    n: usize,
    colours: Vec<RGBColor>,
}

/// Points `(a, b, class)`.
type Points = Vec<(f64, f64, usize)>;

struct Scene {
    title: String,
    subtitles: Vec<String>,
    x_label: String,
    y_label: String,
    x_range: (f64, f64),
    y_range: (f64, f64),
    raster: Option<Raster>,
    train: Points,
    /// Drawn with a black outline.
    test: Points,
    classes: usize,
    /// Legend entries for the black "twins differ" cells and the train/test marks.
    boundary_legend: bool,
}

impl Scene {
    /// A scene drawn in `plane`: its axis titles, and its note (when a projection) under
    /// `subtitles`; `x_range` and `y_range` the plot's ranges, no raster, no test points.
    fn in_plane(
        plane: &Plane,
        title: &str,
        mut subtitles: Vec<String>,
        ranges: ((f64, f64), (f64, f64)),
        train: Points,
        classes: usize,
    ) -> Scene {
        subtitles.extend(plane.note.clone());
        Scene {
            title: title.to_owned(),
            subtitles,
            x_label: plane.x_label.clone(),
            y_label: plane.y_label.clone(),
            x_range: ranges.0,
            y_range: ranges.1,
            raster: None,
            train,
            test: Vec::new(),
            classes,
            boundary_legend: false,
        }
    }
}

/// The range of `values` with a margin of 8% each side (±1 when they are all equal or none).
fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    let span = hi - lo;
    if span <= 1e-12 {
        return (lo - 1.0, hi + 1.0);
    }
    (lo - 0.08 * span, hi + 0.08 * span)
}

fn labelled(plane: &Plane, x: &ndarray::Array2<f64>, y: &[usize]) -> Points {
    plane
        .project(x)
        .into_iter()
        .zip(y)
        .map(|((a, b), &c)| (a, b, c))
        .collect()
}

/// The raster the boundary picture classifies: the plane it is drawn in, its ranges, and the
/// feature vector of every cell (row by row from the bottom), for the twins to predict.
pub struct BoundaryGrid {
    plane: Plane,
    x_range: (f64, f64),
    y_range: (f64, f64),
    /// `[RASTER², features]`: what to predict, one row per cell.
    pub features: Array2<f64>,
}

impl BoundaryGrid {
    /// Over the normalised plane (or, with more than two features, the plane of the first two
    /// principal directions of the normalised training rows), around every point.
    pub fn new(prepared: &Prepared) -> BoundaryGrid {
        Self::with_cells(prepared, RASTER)
    }

    /// The same with `n` cells per side.
    pub fn with_cells(prepared: &Prepared, n: usize) -> BoundaryGrid {
        let plane = Plane::fit(&prepared.train.x, "normalised");
        let train = labelled(&plane, &prepared.train.x, &prepared.train.y);
        let test = labelled(&plane, &prepared.test.x, &prepared.test.y);
        let all = || train.iter().chain(&test);
        let x_range = padded(all().map(|p| p.0));
        let y_range = padded(all().map(|p| p.1));
        let centre = |(lo, hi): (f64, f64), i: usize| lo + (i as f64 + 0.5) * (hi - lo) / n as f64;
        let cells: Vec<(f64, f64)> = (0..n)
            .flat_map(|j| (0..n).map(move |i| (i, j)))
            .map(|(i, j)| (centre(x_range, i), centre(y_range, j)))
            .collect();
        let features = plane.lift(&cells);
        BoundaryGrid {
            plane,
            x_range,
            y_range,
            features,
        }
    }
}

impl BoundaryGrid {
    /// Cells per side.
    pub fn cells(&self) -> usize {
        (self.features.nrows() as f64).sqrt().round() as usize
    }

    /// The plane's horizontal and vertical ranges, which the raster covers.
    pub fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        (self.x_range, self.y_range)
    }

    /// Axis titles.
    pub fn labels(&self) -> (&str, &str) {
        (&self.plane.x_label, &self.plane.y_label)
    }

    /// Rows of `x` as `(a, b)` in the plane.
    pub fn project(&self, x: &Array2<f64>) -> Vec<(f64, f64)> {
        self.plane.project(x)
    }
}

/// The decision boundary of the final nets: `grid`'s cells coloured by the burn twin's
/// predicted class (`by_burn`), black where the hand-written twin's (`by_manual`) differs, and
/// the training and test points on top.
pub fn boundary_png(
    prepared: &Prepared,
    grid: &BoundaryGrid,
    by_manual: &[usize],
    by_burn: &[usize],
    title: &str,
) -> Result<(Vec<u8>, BoundaryStats)> {
    let n = RASTER;
    assert_eq!(by_manual.len(), n * n, "one prediction per cell");
    assert_eq!(by_burn.len(), n * n, "one prediction per cell");
    let BoundaryGrid {
        plane,
        x_range,
        y_range,
        ..
    } = grid;
    let (x_range, y_range) = (*x_range, *y_range);
    let train = labelled(plane, &prepared.train.x, &prepared.train.y);
    let test = labelled(plane, &prepared.test.x, &prepared.test.y);
    let mut differ = 0;
    let colours = by_manual
        .iter()
        .zip(by_burn)
        .map(|(&m, &b)| {
            if m == b {
                tint(class_colour(b), 0.32)
            } else {
                differ += 1;
                BLACK
            }
        })
        .collect();
    let stats = BoundaryStats {
        cells: n * n,
        differ,
    };

    let subtitles = vec![format!(
        "background: the burn twin's predicted class; black: cells where the hand-written twin \
         predicts another class ({} of {} cells{})",
        stats.differ,
        stats.cells,
        if stats.differ == 0 { ": none" } else { "" }
    )];
    let scene = Scene {
        raster: Some(Raster { n, colours }),
        test,
        boundary_legend: true,
        ..Scene::in_plane(
            plane,
            title,
            subtitles,
            (x_range, y_range),
            train,
            prepared.raw.classes,
        )
    };
    Ok((
        render(WIDTH, HEIGHT, |root| draw_scene(root, &scene))?,
        stats,
    ))
}

/// A raw data set's points coloured by class (see [`super::plot_dataset`]).
pub fn dataset_png(ds: &Dataset, title: &str) -> Result<Vec<u8>> {
    let (plane, points) = if ds.x.ncols() > 2 {
        let z = Normaliser::fit(&ds.x).apply(&ds.x);
        let plane = Plane::fit(&z, "z-scored");
        let points = labelled(&plane, &z, &ds.y);
        (plane, points)
    } else {
        let plane = Plane::fit(&ds.x, "raw");
        let points = labelled(&plane, &ds.x, &ds.y);
        (plane, points)
    };
    let mut counts = vec![0usize; ds.classes];
    for &c in &ds.y {
        if let Some(k) = counts.get_mut(c) {
            *k += 1;
        }
    }
    let subtitles = vec![format!(
        "{} points, {} features, {} classes ({})",
        ds.y.len(),
        ds.x.ncols(),
        ds.classes,
        counts
            .iter()
            .enumerate()
            .map(|(k, c)| format!("class {k}: {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    let ranges = (
        padded(points.iter().map(|p| p.0)),
        padded(points.iter().map(|p| p.1)),
    );
    let scene = Scene::in_plane(&plane, title, subtitles, ranges, points, ds.classes);
    render(WIDTH, HEIGHT, |root| draw_scene(root, &scene))
}

/// Draws a legend mark centred at a pixel.
type Mark<'a> = dyn Fn(&Area, (i32, i32)) -> Result<()> + 'a;

fn draw_scene(root: &Area, s: &Scene) -> Result<()> {
    let body = draw_header(root, s)?;
    let (plot, legend) = body.split_horizontally(WIDTH - 170);
    draw_chart(&plot, s)?;
    draw_legend(&legend, s)
}

/// The title and subtitles, wrapped to the width; returns the area below them.
fn draw_header<'a>(root: &Area<'a>, s: &Scene) -> Result<Area<'a>> {
    let title = wrap_text(&s.title, 22.0, WIDTH - 32);
    let subtitles: Vec<String> = s
        .subtitles
        .iter()
        .flat_map(|line| wrap_text(line, 14.0, WIDTH - 32))
        .collect();
    let header = 12 + 28 * title.len() as u32 + 20 * subtitles.len() as u32;
    let (top, body) = root.split_vertically(header + 8);
    let used = draw_lines(&top, &title, (16, 10), 28, &font(22.0))?;
    draw_lines(
        &top,
        &subtitles,
        (16, 10 + used + 2),
        20,
        &font(14.0).color(&RGBColor(60, 60, 60)),
    )?;
    Ok(body)
}

/// The plane: the raster (when there is one), the axes, and the points.
fn draw_chart(plot: &Area, s: &Scene) -> Result<()> {
    let mut chart = ChartBuilder::on(plot)
        .margin_left(10)
        .margin_right(14)
        .margin_bottom(8)
        .x_label_area_size(50)
        .y_label_area_size(64)
        .build_cartesian_2d(s.x_range.0..s.x_range.1, s.y_range.0..s.y_range.1)
        .map_err(plot_err)?;

    if let Some(r) = &s.raster {
        let (x0, x1) = s.x_range;
        let (y0, y1) = s.y_range;
        let dx = (x1 - x0) / r.n as f64;
        let dy = (y1 - y0) / r.n as f64;
        chart
            .draw_series(r.colours.iter().enumerate().map(|(k, c)| {
                let (i, j) = (k % r.n, k / r.n);
                let a = x0 + i as f64 * dx;
                let b = y0 + j as f64 * dy;
                Rectangle::new([(a, b), (a + dx, b + dy)], c.filled())
            }))
            .map_err(plot_err)?;
    }
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(s.x_label.as_str())
        .y_desc(s.y_label.as_str())
        .label_style(font(14.0))
        .axis_desc_style(font(15.0))
        .draw()
        .map_err(plot_err)?;
    chart
        .draw_series(
            s.train
                .iter()
                .map(|&(a, b, c)| Circle::new((a, b), 3, class_colour(c).filled())),
        )
        .map_err(plot_err)?;
    chart
        .draw_series(s.test.iter().map(|&(a, b, c)| {
            EmptyElement::at((a, b))
                + Circle::new((0, 0), 4, class_colour(c).filled())
                + Circle::new((0, 0), 4, BLACK.stroke_width(1))
        }))
        .map_err(plot_err)?;
    Ok(())
}

/// The legend, beside the chart: the classes, and with a boundary the kinds of marks.
fn draw_legend(legend: &Area, s: &Scene) -> Result<()> {
    let mut y = 24;
    let row = |y: i32, mark: &Mark, text: String| {
        mark(legend, (18, y))?;
        legend
            .draw(&Text::new(text, (34, y - 8), font(14.0)))
            .map_err(plot_err)
    };
    for k in 0..s.classes {
        let c = class_colour(k);
        row(
            y,
            &|a, p| {
                a.draw(&Circle::new(p, 5, c.filled())).map_err(plot_err)?;
                Ok(())
            },
            format!("class {k}"),
        )?;
        y += 22;
    }
    if s.boundary_legend {
        y += 10;
        let grey = RGBColor(120, 120, 120);
        row(
            y,
            &|a, p| a.draw(&Circle::new(p, 4, grey.filled())).map_err(plot_err),
            "training point".to_owned(),
        )?;
        y += 22;
        row(
            y,
            &|a, p| {
                a.draw(&Circle::new(p, 5, grey.filled()))
                    .map_err(plot_err)?;
                a.draw(&Circle::new(p, 5, BLACK.stroke_width(1)))
                    .map_err(plot_err)
            },
            "test point".to_owned(),
        )?;
        y += 22;
        row(
            y,
            &|a, p| {
                a.draw(&Rectangle::new(
                    [(p.0 - 5, p.1 - 5), (p.0 + 5, p.1 + 5)],
                    BLACK.filled(),
                ))
                .map_err(plot_err)
            },
            "twins differ".to_owned(),
        )?;
    }
    Ok(())
}
