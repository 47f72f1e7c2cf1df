//! The config's keys and types, checked against the TOML document before serde reads it, so
//! that every message names the line, the key and what was expected in our own words (serde's
//! messages are English text we would otherwise have to parse).

use std::ops::Range;

use toml_edit::{ImDocument, Item, TableLike, Value};

use super::optimizer::SETTINGS;
use super::{ActivationKind, Backend, DeviceChoice};

/// What a key holds.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    /// A whole number >= 0.
    Count,
    /// A number (an integer is a number too).
    Number,
    Bool,
    /// An array of whole numbers >= 0.
    Counts,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    Table(&'static [Field]),
}

#[derive(Clone, Copy)]
struct Field {
    name: &'static str,
    kind: Kind,
    required: bool,
}

const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

pub const KINDS: &[&str] = &[
    "moons",
    "circles",
    "blobs",
    "grid",
    "spiral",
    "xor",
    "gaussian_quantiles",
    "iris",
    "csv",
];

const DATA: &[Field] = &[
    req("kind", Kind::OneOf(KINDS)),
    opt("samples", Kind::Count),
    opt("noise", Kind::Number),
    opt("factor", Kind::Number),
    opt("centers", Kind::Count),
    opt("cluster_std", Kind::Number),
    opt("classes", Kind::Count),
    opt("rows", Kind::Count),
    opt("cols", Kind::Count),
    opt("layout", Kind::OneOf(&["random", "checkerboard"])),
    opt("path", Kind::Str),
    opt("test_fraction", Kind::Number),
    opt("shuffle", Kind::Bool),
];

const MODEL: &[Field] = &[
    opt("hidden", Kind::Counts),
    opt("init", Kind::OneOf(&["normal", "he"])),
    opt("activation", Kind::OneOf(&ActivationKind::NAMES)),
    opt("negative_slope", Kind::Number),
];

/// `[train]`'s own keys, then every optimizer setting of optimizer.rs's table.
const TRAIN_OWN: [Field; 6] = [
    opt("epochs", Kind::Count),
    opt("stop_at_step", Kind::Count),
    opt("batch_size", Kind::Count),
    opt("learning_rate", Kind::Number),
    opt("shuffle", Kind::Bool),
    opt("optimizer", Kind::OneOf(&super::optimizer::NAMES)),
];

const TRAIN: [Field; TRAIN_OWN.len() + SETTINGS.len()] = {
    let mut all = [opt("", Kind::Bool); TRAIN_OWN.len() + SETTINGS.len()];
    let mut i = 0;
    while i < all.len() {
        all[i] = if i < TRAIN_OWN.len() {
            TRAIN_OWN[i]
        } else {
            let s = &SETTINGS[i - TRAIN_OWN.len()];
            opt(
                s.key,
                if s.range.is_some() {
                    Kind::Number
                } else {
                    Kind::Bool
                },
            )
        };
        i += 1;
    }
    all
};

const COMPARE: &[Field] = &[
    opt("precision", Kind::OneOf(&["f32", "f64"])),
    opt("backend", Kind::OneOf(&Backend::NAMES)),
    opt("device", Kind::OneOf(&DeviceChoice::NAMES)),
    opt("err_bound_limit", Kind::Number),
    opt("grad_tol", Kind::Number),
    opt("drift_tol", Kind::Number),
];

const TOP: &[Field] = &[
    req("name", Kind::Str),
    opt("seed", Kind::Count),
    req("data", Kind::Table(DATA)),
    opt("model", Kind::Table(MODEL)),
    opt("train", Kind::Table(&TRAIN)),
    opt("compare", Kind::Table(COMPARE)),
];

/// Checks a document that is valid TOML against the config's keys and types; the message of
/// the first problem.
pub fn check(text: &str) -> Result<(), String> {
    let doc = ImDocument::parse(text).map_err(|e| e.to_string())?;
    let lines = Lines { text };
    check_table(&lines, doc.as_table(), TOP, None, doc.as_table().span())
}

/// A range error from [`super::Config::validate`] (`[train] momentum must be …`, `[data] key
/// `factor` does not apply …`) with the line of the key it names, when the document has it.
pub fn with_line(text: &str, message: &str) -> String {
    let line = ImDocument::parse(text).ok().and_then(|doc| {
        let (table, key) = named_key(message)?;
        let table = doc.as_table().get(table)?.as_table_like()?;
        let (k, item) = table.get_key_value(key)?;
        Lines { text }.line(k.span().or_else(|| item.span()))
    });
    match line {
        Some(l) => format!("line {l}: {message}"),
        None => message.to_owned(),
    }
}

/// `("train", "momentum")` from `[train] momentum …` or `[data] key `factor` …`.
fn named_key(message: &str) -> Option<(&str, &str)> {
    let rest = message.strip_prefix('[')?;
    let (table, rest) = rest.split_once("] ")?;
    let key = match rest.strip_prefix("key `") {
        Some(quoted) => quoted.split_once('`')?.0,
        None => {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        }
    };
    (!key.is_empty()).then_some((table, key))
}

/// Line numbers from byte offsets.
struct Lines<'a> {
    text: &'a str,
}

impl Lines<'_> {
    fn line(&self, span: Option<Range<usize>>) -> Option<usize> {
        let start = span?.start;
        Some(self.text.get(..start)?.matches('\n').count() + 1)
    }

    fn at(&self, span: Option<Range<usize>>) -> String {
        self.line(span)
            .map(|l| format!("line {l}: "))
            .unwrap_or_default()
    }
}

fn check_table(
    lines: &Lines,
    table: &dyn TableLike,
    fields: &[Field],
    name: Option<&str>,
    header: Option<Range<usize>>,
) -> Result<(), String> {
    let place = match name {
        Some(t) => format!("in [{t}]"),
        None => "at the top level".to_owned(),
    };
    for (key, item) in table.iter() {
        let key_span = table
            .get_key_value(key)
            .and_then(|(k, _)| k.span())
            .or_else(|| item.span());
        let Some(field) = fields.iter().find(|f| f.name == key) else {
            let valid: Vec<&str> = fields.iter().map(|f| f.name).collect();
            return Err(format!(
                "{}unknown key `{key}` {place}{} (valid keys there: {})",
                lines.at(key_span),
                did_you_mean(key, &valid),
                list(&valid, ", ")
            ));
        };
        check_item(lines, key, item, field.kind, key_span)?;
    }
    for f in fields.iter().filter(|f| f.required) {
        if table.get(f.name).is_none() {
            return Err(match (name, f.kind) {
                (None, Kind::Table(_)) => format!(
                    "the [{}] table is missing (it says which data to train on)",
                    f.name
                ),
                (None, _) => format!("the key `{}` is missing at the top level", f.name),
                (Some(t), _) => format!(
                    "{}the [{t}] table is missing the key `{}`",
                    lines.at(header.clone()),
                    f.name
                ),
            });
        }
    }
    Ok(())
}

fn check_item(
    lines: &Lines,
    key: &str,
    item: &Item,
    kind: Kind,
    span: Option<Range<usize>>,
) -> Result<(), String> {
    if let Kind::Table(fields) = kind {
        let Some(table) = item.as_table_like() else {
            return Err(wrong(lines, key, item.as_value(), "a table", span));
        };
        let header = item.as_table().and_then(|t| t.span()).or(span);
        return check_table(lines, table, fields, Some(key), header);
    }
    let Some(value) = item.as_value() else {
        return Err(wrong(lines, key, None, expected(kind), span));
    };
    let ok = match (kind, value) {
        (Kind::Str, Value::String(_)) => true,
        (Kind::Count, Value::Integer(i)) => *i.value() >= 0,
        (Kind::Number, Value::Integer(_) | Value::Float(_)) => true,
        (Kind::Bool, Value::Boolean(_)) => true,
        (Kind::Counts, Value::Array(a)) => {
            return match a
                .iter()
                .find(|v| !matches!(v, Value::Integer(i) if *i.value() >= 0))
            {
                Some(bad) => Err(wrong(lines, key, Some(bad), "a whole number >= 0", span)),
                None => Ok(()),
            };
        }
        (Kind::OneOf(values), Value::String(s)) => {
            let given = s.value();
            if values.contains(&given.as_str()) {
                return Ok(());
            }
            let expected = if values.len() == 2 {
                format!("expected `{}` or `{}`", values[0], values[1])
            } else {
                format!("expected one of {}", list(values, ", "))
            };
            return Err(format!(
                "{}`{key}` = \"{given}\" is not a known value{} ({expected})",
                lines.at(span),
                did_you_mean(given, values)
            ));
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(wrong(lines, key, Some(value), expected(kind), span))
    }
}

fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Str => "a string",
        Kind::Count => "a whole number >= 0",
        Kind::Number => "a number",
        Kind::Bool => "true or false",
        Kind::Counts => "an array of whole numbers >= 0",
        Kind::OneOf(_) => "a string",
        Kind::Table(_) => "a table",
    }
}

/// `line L, key `k`: invalid type: string "ten", expected a whole number >= 0`.
fn wrong(
    lines: &Lines,
    key: &str,
    found: Option<&Value>,
    expected: &str,
    span: Option<Range<usize>>,
) -> String {
    let found = match found {
        Some(Value::String(s)) => format!("string {:?}", s.value()),
        Some(Value::Integer(i)) => format!("integer {}", i.value()),
        Some(Value::Float(f)) => format!("number {}", f.value()),
        Some(Value::Boolean(b)) => format!("boolean {}", b.value()),
        Some(Value::Array(_)) => "an array".to_owned(),
        Some(Value::InlineTable(_)) | None => "a table".to_owned(),
        Some(Value::Datetime(d)) => format!("date {}", d.value()),
    };
    let at = lines
        .line(span)
        .map(|l| format!("line {l}, "))
        .unwrap_or_default();
    format!("{at}key `{key}`: invalid value: {found}, expected {expected}")
}

/// `` `a`, `b`, `c` ``.
fn list(names: &[&str], sep: &str) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(sep)
}

/// `, did you mean `x`?` for the valid word closest to `given`, if one is close enough to be
/// a likely typo; else nothing.
pub(super) fn did_you_mean(given: &str, valid: &[&str]) -> String {
    let given_lower = given.to_lowercase();
    let limit = (given.chars().count() / 3).max(2);
    valid
        .iter()
        .map(|v| (edit_distance(&given_lower, &v.to_lowercase()), *v))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, v)| format!(", did you mean `{v}`?"))
        .unwrap_or_default()
}

/// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`; the swap
/// counts once because it is the commonest typo (`nosie`).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_a_swap_once() {
        assert_eq!(edit_distance("nosie", "noise"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("epoch", "epochs"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
