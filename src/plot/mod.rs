//! Pictures of a run, as PNG: the decision boundary of the final nets (`boundary.png`), the
//! training curves (`loss.png`), a raw data set, and the init comparison chart.
//!
//! Everything is drawn in memory with plotters' bitmap backend and encoded with `png`, so the
//! caller writes the bytes atomically like every other result file. Text uses DejaVu Sans,
//! compiled into the binary (`assets/fonts/`): labels render on machines without any fonts.

mod boundary;
mod chart;
mod curves;
mod init;
mod plane;

use std::path::Path;
use std::sync::Once;

use anyhow::{Context, Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

pub use boundary::{BoundaryGrid, BoundaryStats, RASTER, boundary_png, dataset_png};
pub use curves::{Gates, LossPicture, loss_png};
pub use init::{InitCurve, init_png};
pub use plane::Plane;

use crate::data::Dataset;
use crate::output::write_atomic;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The font family every text in the pictures uses.
pub(crate) const FAMILY: &str = "sans-serif";

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("the shipped DejaVu Sans font does not parse"));
    });
}

/// Tableau 10: distinct, colour-blind-aware hues, one per class (more classes repeat them).
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7), // blue
    RGBColor(0xf2, 0x8e, 0x2b), // orange
    RGBColor(0xe1, 0x57, 0x59), // red
    RGBColor(0x76, 0xb7, 0xb2), // teal
    RGBColor(0x59, 0xa1, 0x4f), // green
    RGBColor(0xed, 0xc9, 0x48), // yellow
    RGBColor(0xb0, 0x7a, 0xa1), // purple
    RGBColor(0xff, 0x9d, 0xa7), // pink
    RGBColor(0x9c, 0x75, 0x5f), // brown
    RGBColor(0xba, 0xb0, 0xac), // grey
];

/// The colour of class `k`.
pub fn class_colour(k: usize) -> RGBColor {
    PALETTE[k % PALETTE.len()]
}

/// `c` mixed with white: `amount` = 1 keeps the colour, 0 gives white.
pub(crate) fn tint(c: RGBColor, amount: f64) -> RGBColor {
    let mix = |v: u8| (255.0 - (255.0 - v as f64) * amount).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

pub(crate) fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().into()
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// The width in pixels of `text` drawn at `size` in the pictures' font.
pub fn text_width(text: &str, size: f64) -> u32 {
    register_fonts();
    // A font that cannot measure (it always can: it is compiled in) counts as too wide.
    (FAMILY, size)
        .into_font()
        .box_size(text)
        .map_or(u32::MAX, |(w, _)| w)
}

/// `text` broken into lines no wider than `max_width` pixels at `size` in the pictures' font:
/// at spaces, the earliest break that fits taken last (greedy). A single word wider than
/// `max_width` is cut and ends with `…`, so no line ever runs past the edge.
pub fn wrap_text(text: &str, size: f64, max_width: u32) -> Vec<String> {
    let fits = |s: &str| text_width(s, size) <= max_width;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if fits(&candidate) {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        line = if fits(word) {
            word.to_owned()
        } else {
            shorten(word, size, max_width)
        };
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `word` cut to fit `max_width` with a trailing `…`.
fn shorten(word: &str, size: f64, max_width: u32) -> String {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .rev()
        .map(|n| format!("{}…", chars[..n].iter().collect::<String>()))
        .find(|s| text_width(s, size) <= max_width)
        .unwrap_or_default()
}

/// Draws `lines` from the top-left pixel `at`, `step` pixels apart; returns the height used.
pub(crate) fn draw_lines(
    area: &Area,
    lines: &[String],
    at: (i32, i32),
    step: i32,
    style: &TextStyle,
) -> Result<i32> {
    for (i, line) in lines.iter().enumerate() {
        area.draw(&Text::new(
            line.clone(),
            (at.0, at.1 + step * i as i32),
            style.clone(),
        ))
        .map_err(plot_err)?;
    }
    Ok(step * lines.len() as i32)
}

/// Renders `draw` on a white `w × h` canvas and returns the PNG file's bytes.
pub(crate) fn render(w: u32, h: u32, draw: impl FnOnce(&Area) -> Result<()>) -> Result<Vec<u8>> {
    register_fonts();
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        draw(&root)?;
        root.present().map_err(plot_err)?;
    }
    encode_png(&rgb, w, h)
}

/// plotters' errors borrow nothing but are not always `Send + Sync`: keep their text.
pub(crate) fn plot_err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("drawing failed: {e}")
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Flat colours and thin lines: adaptive filtering with the best deflate level keeps the
    // committed pictures small (a chart goes from ~670 kB to ~100 kB).
    encoder.set_compression(png::Compression::Best);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = encoder.write_header().context("cannot encode PNG")?;
    writer.write_image_data(rgb).context("cannot encode PNG")?;
    writer.finish().context("cannot encode PNG")?;
    Ok(out)
}

/// Draws a raw data set's points coloured by class and writes the PNG to `path` (atomically).
/// Two features: the plane as it is; more: the first two principal directions of the z-scored
/// data; one: the feature against a constant.
pub fn plot_dataset(ds: &Dataset, path: &Path, title: &str) -> Result<()> {
    write_atomic(path, &dataset_png(ds, title)?)
}
