//! Value parsers shared by the commands' numeric arguments: each says what range it takes, so
//! `--epochs -1` or `--threads 0` is refused with one line naming the range (exit 2), not
//! with clap's "unexpected argument" or a bare "invalid digit". The commands take negative
//! numbers as values (`allow_negative_numbers`, set per command in main.rs) for this.

/// A whole number of at least `min` (into `T`: `usize`, `u64`, …).
pub fn whole<T>(min: u64) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: TryFrom<u64>,
{
    move |text: &str| {
        let range = if min == 0 {
            "0 or more".to_owned()
        } else {
            format!("at least {min}")
        };
        let n: i128 = match text.trim().parse() {
            Ok(n) => n,
            Err(_) if text.trim().parse::<f64>().is_ok() => {
                return Err(format!("must be a whole number, {range}"));
            }
            Err(_) => return Err(format!("{text:?} is not a whole number")),
        };
        if n < i128::from(min) {
            return Err(format!("must be {range}"));
        }
        u64::try_from(n)
            .ok()
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| format!("{n} is too large"))
    }
}

/// A number >= 0 (a limit or tolerance; `inf`: no limit).
pub fn non_negative(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v >= 0.0 => Ok(v),
        Ok(_) => Err("must be a number >= 0".to_owned()),
        Err(_) => Err(format!("{text:?} is not a number")),
    }
}

/// A finite number > 0 (a step or tolerance that cannot be 0).
pub fn positive(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        Ok(_) => Err("must be a finite number > 0".to_owned()),
        Err(_) => Err(format!("{text:?} is not a number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_named() {
        let epochs = whole::<usize>(1);
        assert_eq!(epochs("3"), Ok(3));
        assert_eq!(epochs("0"), Err("must be at least 1".to_owned()));
        assert_eq!(epochs("-1"), Err("must be at least 1".to_owned()));
        assert_eq!(
            epochs("1.5"),
            Err("must be a whole number, at least 1".to_owned())
        );
        assert_eq!(epochs("x"), Err("\"x\" is not a whole number".to_owned()));
        let seed = whole::<u64>(0);
        assert_eq!(seed("-1"), Err("must be 0 or more".to_owned()));
        assert_eq!(seed("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            seed("18446744073709551616"),
            Err("18446744073709551616 is too large".to_owned())
        );
        assert_eq!(
            whole::<u16>(0)("70000"),
            Err("70000 is too large".to_owned())
        );
        assert_eq!(non_negative("-1"), Err("must be a number >= 0".to_owned()));
        assert_eq!(non_negative("nan"), Err("must be a number >= 0".to_owned()));
        assert_eq!(non_negative("inf"), Ok(f64::INFINITY));
        assert_eq!(positive("0"), Err("must be a finite number > 0".to_owned()));
        assert_eq!(positive("1e-3"), Ok(1e-3));
    }
}
