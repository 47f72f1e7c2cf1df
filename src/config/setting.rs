//! What an optimizer setting is: its value, the range a number may lie in, and its entry in
//! optimizer.rs's table (key, range, the f32 burn keeps it in, the page's label and hint).

/// A setting's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SettingValue {
    Number(f64),
    Bool(bool),
}

impl SettingValue {
    /// The number (a bool is 0 or 1).
    pub fn number(self) -> f64 {
        match self {
            SettingValue::Number(v) => v,
            SettingValue::Bool(b) => f64::from(u8::from(b)),
        }
    }
}

/// Where a number may lie.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// `[0, 1)`: a decay rate or momentum, whose geometric sum fades only below 1.
    BelowOne,
    /// `> 0`.
    Positive,
    /// `>= 0`.
    NonNegative,
}

impl Range {
    pub fn admits(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Range::BelowOne => (0.0..1.0).contains(&v),
                Range::Positive => v > 0.0,
                Range::NonNegative => v >= 0.0,
            }
    }

    pub fn text(self) -> &'static str {
        match self {
            Range::BelowOne => "at least 0 and below 1",
            Range::Positive => "a finite number > 0",
            Range::NonNegative => "a finite number >= 0",
        }
    }

    /// The page's input bounds: min and max (None: unbounded).
    pub fn bounds(self) -> (f64, Option<f64>) {
        match self {
            Range::BelowOne => (0.0, Some(0.9999)),
            Range::Positive | Range::NonNegative => (0.0, None),
        }
    }
}

/// One optimizer setting: a key of `[train]` and of a problem file's metadata.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub key: &'static str,
    /// A number in this range; None: true or false.
    pub range: Option<Range>,
    /// burn keeps it as f32 even in an f64 run: a value f32 cannot hold (a positive one that
    /// becomes 0 or infinite there, one below 1 that becomes 1) is refused.
    pub f32: bool,
    /// Applies only with momentum > 0 (SGD's dampening and Nesterov).
    pub with_momentum: bool,
    /// The page's label and hint.
    pub label: &'static str,
    pub help: &'static str,
}

pub(super) const fn number(key: &'static str, range: Range, f32: bool) -> Setting {
    Setting {
        key,
        range: Some(range),
        f32,
        with_momentum: false,
        label: key,
        help: "",
    }
}

pub(super) const fn labelled(s: Setting, label: &'static str, help: &'static str) -> Setting {
    Setting { label, help, ..s }
}
