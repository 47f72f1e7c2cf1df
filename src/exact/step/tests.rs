//! The step's conventions, its carried error and `powi_f32`.

use super::bounds::{carried, constants_spread};
use super::*;
use crate::config::AdamSettings;

fn adamw() -> Optimizer {
    Optimizer::AdamW(AdamSettings {
        beta_1: 0.9,
        beta_2: 0.999,
        epsilon: 1e-5,
        weight_decay: 0.05,
    })
}

fn constants(o: Optimizer, t: usize, p: Precision, c: Convention) -> Constants {
    Constants::new(o, (0.01, t), (p, c), None)
}

/// Under the exact convention the step is the lecture's formula in f64:
/// `θ − λ·(m̂/(√v̂ + ε) + wd·θ)`.
#[test]
fn the_exact_step_is_the_textbooks() {
    let (theta, g, m0, v0) = (0.3, -0.02, 0.01, 4e-4);
    for t in [1usize, 2, 7] {
        let k = constants(adamw(), t, Precision::F64, Convention::Exact);
        let before: &[f64] = if t == 1 { &[] } else { &[m0, v0] };
        let got = entry(adamw(), &k, (theta, g, before), None);
        let (m_old, v_old) = if t == 1 { (0.0, 0.0) } else { (m0, v0) };
        let m = 0.9 * m_old + 0.1 * g;
        let v = 0.999 * v_old + 0.001 * g * g;
        let (m_hat, v_hat) = (
            m / (1.0 - 0.9f64.powi(t as i32)),
            v / (1.0 - 0.999f64.powi(t as i32)),
        );
        let want = theta - 0.01 * (m_hat / (v_hat.sqrt() + 1e-5) + 0.05 * theta);
        assert!(
            (got[0].0 - want).abs() <= 1e-15 * want.abs(),
            "t {t}: {} vs {want}",
            got[0].0
        );
        assert!((got[2].0 - v).abs() <= 1e-15 * v, "t {t}");
    }
}

/// burn's constants are f32 arithmetic: `1 − β₂` is 0.00099998713, not 0.001; in f32 the
/// exact convention's spread covers that (an f32 implementation may compute its constants
/// either way), in f64 it does not (burn's own f32 constants are their own convention).
#[test]
fn the_spread_of_f32_constants_covers_burns_in_f32_only() {
    let burn = constants(adamw(), 1, Precision::F32, Convention::Burn);
    assert_eq!(burn.f2, (1.0f32 - 0.999f32) as f64);
    assert!((burn.f2 / 0.001 - 1.0).abs() > 1e-5);
    for t in [1usize, 3, 50] {
        for g in [1e-3, -0.4, 2.0] {
            let before: &[f64] = if t == 1 { &[] } else { &[0.01, 4e-4] };
            let e = (0.3, g, before);
            for (p, covered) in [(Precision::F32, true), (Precision::F64, false)] {
                let exact = constants(adamw(), t, p, Convention::Exact);
                let burn = constants(adamw(), t, p, Convention::Burn);
                let spread = constants_spread(adamw(), &exact, e, None);
                let (a, b) = (
                    entry(adamw(), &exact, e, None),
                    entry(adamw(), &burn, e, None),
                );
                let u = super::super::unit_roundoff(p);
                for o in 0..3 {
                    let within = (a[o].0 - b[o].0).abs() <= u * spread[o];
                    assert_eq!(within, covered, "{p:?} t {t} g {g} output {o}");
                }
            }
        }
    }
}

/// Where the gradient is much smaller than its own possible error, `v = (1 − β₂)·g²` moves
/// by `(1 − β₂)·δ²`, which the slope `2·|g|·(1 − β₂)·δ` misses entirely.
#[test]
fn the_carried_error_holds_the_square() {
    let k = constants(adamw(), 1, Precision::F32, Convention::Burn);
    let (g, delta) = (1e-15, 3e-9);
    let slope_only = entry(adamw(), &k, (0.3, g, &[]), None)[2].1 * delta;
    let carried = carried(adamw(), &k, (0.3, g, &[]), delta, None);
    let moved = ((g + delta) * (g + delta) - g * g) * k.f2;
    assert!(carried[2] >= moved, "{} < {moved}", carried[2]);
    assert!(slope_only < moved / 1e5, "{slope_only} vs {moved}");
}

/// The binary exponentiation here is Rust's `f32::powi`, bit for bit, for the β's burn
/// raises to the step.
#[test]
fn powi_f32_is_rusts() {
    for b in [0.9f32, 0.999, 0.95, 0.99, 0.5, 0.8, 0.9999] {
        for t in 1..=300usize {
            assert_eq!(
                powi_f32(b, t).to_bits(),
                b.powi(t as i32).to_bits(),
                "{b}^{t}"
            );
        }
    }
}
