//! The CSV layout shared by reading and writing: a header row, the feature columns, then a
//! `label` column of class indices `0..k`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Result, anyhow, bail};
use ndarray::Array2;

use super::Dataset;

/// Labels are class indices; anything larger is surely a mistake (and would mean a huge net).
const MAX_LABEL: usize = 1_000_000;

/// How many missing classes an error lists before it stops.
const MAX_LISTED: usize = 10;

/// Reads a data set; rows keep the file's order. Every problem is one sentence naming the file
/// and, where it applies, the line and column.
pub fn read_csv(path: &Path) -> Result<Dataset> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!("cannot read data file {}: {e}", path.display()))?;
    parse_csv(&text, path)
}

/// [`read_csv`] on text already in memory; `path` only names it in errors. (Also the entry point
/// of the fuzz target, `fuzz/`.)
pub fn parse_csv(text: &str, path: &Path) -> Result<Dataset> {
    let file = path.display();
    // A byte-order mark (spreadsheet exports) is not part of the first column's name.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // `lines` also strips the `\r` of `\r\n`; blank lines (e.g. trailing ones) carry no row.
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());

    let Some((header_line, header)) = lines.next() else {
        bail!("data file {file} is empty: expected a header row ending in `label`, then data rows");
    };
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    let width = names.len();
    if names.len() > 1 && names.last() == Some(&"") {
        bail!(
            "{file} line {header_line} ends with a comma (an empty last column): the header \
             must end with `label` (the class index)"
        );
    }
    if names.last() != Some(&"label") {
        bail!(
            "{file} line {header_line}: the last column is `{}`, but it must be `label` (the class index)",
            names.last().copied().unwrap_or_default()
        );
    }
    let d = width - 1;
    if d == 0 {
        bail!("{file} line {header_line}: there is no feature column before `label`");
    }

    let mut values = Vec::new();
    let mut y = Vec::new();
    // The first row holding the largest label, and its cell: named when labels have gaps.
    let mut largest: Option<(usize, usize, String)> = None;
    for (line, row) in lines {
        let cells: Vec<&str> = row.split(',').map(str::trim).collect();
        if cells.len() == width + 1 && cells.last() == Some(&"") {
            bail!(
                "{file} line {line} ends with a comma (an empty last column): expected {width} \
                 columns (as in the header), the last one `label`"
            );
        }
        if cells.len() != width {
            bail!(
                "{file} line {line}: expected {width} columns (as in the header), found {}",
                cells.len()
            );
        }
        for (j, cell) in cells[..d].iter().enumerate() {
            let at = || format!("{file} line {line}, column {} (`{}`)", j + 1, names[j]);
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => values.push(v),
                Ok(_) => bail!("{}: `{cell}` is not a finite number", at()),
                Err(_) => bail!("{}: `{cell}` is not a number", at()),
            }
        }
        let cell = cells[d];
        let label = parse_label(cell).map_err(|why| {
            anyhow!("{file} line {line}, column {width} (`label`): `{cell}` {why}")
        })?;
        if largest.as_ref().is_none_or(|(l, _, _)| label > *l) {
            largest = Some((label, line, cell.to_owned()));
        }
        y.push(label);
    }
    if y.is_empty() {
        bail!("{file} has a header but no data rows");
    }
    let present: BTreeSet<usize> = y.iter().copied().collect();
    let max = present.last().copied().unwrap_or(0);
    if present.len() < 2 {
        bail!("{file} holds only class {max}: a classifier needs at least 2 classes");
    }
    let missing: Vec<usize> = (0..max).filter(|c| !present.contains(c)).collect();
    if !missing.is_empty() {
        let mut list: Vec<String> = missing
            .iter()
            .take(MAX_LISTED)
            .map(ToString::to_string)
            .collect();
        if missing.len() > MAX_LISTED {
            list.push(format!("… ({} in all)", missing.len()));
        }
        let (_, line, cell) = largest.unwrap_or_default();
        bail!(
            "{file} line {line}: label `{cell}` makes the labels run from 0 to {max}, but class \
             {} has no row (labels must be 0..k-1 without gaps)",
            list.join(", ")
        );
    }
    let x = Array2::from_shape_vec((y.len(), d), values)?;
    Ok(Dataset {
        x,
        y,
        classes: max + 1,
    })
}

/// A label is a whole number in `0..=MAX_LABEL`; `2.0` is accepted as 2 (pandas writes that).
/// The error is the end of a sentence that starts with the cell.
fn parse_label(cell: &str) -> std::result::Result<usize, String> {
    let whole = match cell.parse::<i128>() {
        Ok(v) => v as f64,
        Err(_) => match cell.parse::<f64>() {
            Ok(v) if v.is_finite() && v.fract() != 0.0 => {
                return Err("is not a whole number (labels are class indices 0, 1, 2, …)".into());
            }
            Ok(v) if v.is_finite() => v,
            _ => return Err("is not a class index (a whole number 0, 1, 2, …)".into()),
        },
    };
    if whole < 0.0 {
        return Err("is negative (labels are class indices 0, 1, 2, …)".into());
    }
    if whole > MAX_LABEL as f64 {
        return Err(format!(
            "is too large: labels are class indices, at most {MAX_LABEL}"
        ));
    }
    Ok(whole as usize)
}

/// Writes a data set as `x1,…,xd,label` ([`csv_text`]), whole.
pub fn write_csv(path: &Path, ds: &Dataset) -> Result<()> {
    crate::output::write_atomic(path, csv_text(path, ds)?.as_bytes())
}

/// A data set as CSV text, `x1,…,xd,label`; `path` only names it in errors. `{}` prints the
/// shortest text that parses back to the same f64, so `read_csv` returns the very same bits.
pub fn csv_text(path: &Path, ds: &Dataset) -> Result<String> {
    let file = path.display();
    if ds.x.nrows() != ds.y.len() {
        bail!(
            "cannot write {file}: {} feature rows but {} labels",
            ds.x.nrows(),
            ds.y.len()
        );
    }
    if let Some(v) = ds.x.iter().find(|v| !v.is_finite()) {
        bail!("cannot write {file}: the features hold {v}, which the CSV layout does not allow");
    }
    let mut out = String::new();
    for j in 1..=ds.x.ncols() {
        let _ = write!(out, "x{j},");
    }
    out.push_str("label\n");
    for (row, label) in ds.x.rows().into_iter().zip(&ds.y) {
        for v in row {
            let _ = write!(out, "{v},");
        }
        let _ = writeln!(out, "{label}");
    }
    Ok(out)
}
