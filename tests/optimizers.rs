//! The exact step of the optimizers added after Adam: under the exact convention it is
//! PyTorch's formula, under burn's it is what the hand-written twin computes (bit for bit in
//! f64, the same operations on the same constants), and the spread of the exact constants held
//! in f32 covers burn's f32 constants in an f32 run.

use mlp2d::config::{AdaGradSettings, Optimizer, Precision};
use mlp2d::exact::step::bounds::constants_spread;
use mlp2d::exact::step::{Constants, Convention, entry};
use mlp2d::exact::unit_roundoff;
use mlp2d::manual::AdaGradStep;

/// A rate f32 holds exactly, as a problem's learning rate is held in its precision.
const LR: f64 = 0.0625;

fn adagrad(lr_decay: f64, weight_decay: f64) -> (Optimizer, AdaGradSettings) {
    let a = AdaGradSettings {
        lr_decay,
        epsilon: 1e-5,
        weight_decay,
    };
    (Optimizer::AdaGrad(a), a)
}

fn constants(o: Optimizer, t: usize, p: Precision, c: Convention) -> Constants {
    Constants::new(o, (LR, t), (p, c), None)
}

/// `θ − λ/(1 + (t − 1)·lr_decay) · g/(√s + ε)`, `s = s + g²`, `g = g + wd·θ`: torch.optim.Adagrad.
#[test]
fn the_exact_adagrad_step_is_pytorchs() {
    let (o, _) = adagrad(0.01, 0.001);
    let (theta, g0, s0) = (0.3, -0.02, 4e-4);
    for t in [1usize, 2, 9] {
        let k = constants(o, t, Precision::F64, Convention::Exact);
        let before: &[f64] = if t == 1 { &[] } else { &[s0] };
        let got = entry(o, &k, (theta, g0, before), None);
        let g = g0 + 0.001 * theta;
        let s = if t == 1 { g * g } else { s0 + g * g };
        let clr = LR / (1.0 + (t as f64 - 1.0) * 0.01);
        let want = theta - clr * g / (s.sqrt() + 1e-5);
        assert!(
            (got[0].0 - want).abs() <= 1e-15,
            "t {t}: {} vs {want}",
            got[0].0
        );
        assert_eq!(got[1].0, s, "t {t}");
    }
}

/// The hand-written twin's step in f64 is the exact step under burn's constants, bit for bit.
#[test]
fn adagrad_under_burns_constants_is_the_twins_step() {
    for (lr_decay, wd) in [(0.0, 0.0), (0.01, 1e-3), (0.3, 0.05)] {
        let (o, a) = adagrad(lr_decay, wd);
        for t in [1usize, 2, 40] {
            let k = constants(o, t, Precision::F64, Convention::Burn);
            let twin = AdaGradStep::<f64>::new(LR, a, t);
            for (theta, g, s0) in [(0.3, -0.02, 4e-4), (-1.5, 3.0, 2.0), (0.0, 0.0, 0.0)] {
                let before: &[f64] = if t == 1 { &[] } else { &[s0] };
                let want = entry(o, &k, (theta, g, before), None);
                let (mut th, mut s) = ([theta], [s0]);
                twin.step(&mut th, &[g], &mut s, t == 1);
                assert_eq!(
                    th[0].to_bits(),
                    want[0].0.to_bits(),
                    "{lr_decay} {wd} t {t}"
                );
                assert_eq!(s[0].to_bits(), want[1].0.to_bits(), "{lr_decay} {wd} t {t}");
            }
        }
    }
}

/// burn's constants (ε and the penalty in f32, λₜ rounded) are within the spread of the exact
/// ones held in f32, in an f32 problem.
#[test]
fn the_spread_of_f32_constants_covers_burns_adagrad() {
    let (o, _) = adagrad(0.07, 0.01);
    let u = unit_roundoff(Precision::F32);
    let mut differ = 0;
    for t in [1usize, 3, 50] {
        let exact = constants(o, t, Precision::F32, Convention::Exact);
        let burn = constants(o, t, Precision::F32, Convention::Burn);
        for g in [1e-3, -0.4, 2.0] {
            let before: &[f64] = if t == 1 { &[] } else { &[0.3] };
            let e = (0.3, g, before);
            let spread = constants_spread(o, &exact, e, None);
            let (a, b) = (entry(o, &exact, e, None), entry(o, &burn, e, None));
            for i in 0..2 {
                differ += usize::from(a[i].0 != b[i].0);
                assert!(
                    (a[i].0 - b[i].0).abs() <= u * spread[i],
                    "t {t} g {g} output {i}: {} vs {} (spread {})",
                    a[i].0,
                    b[i].0,
                    spread[i]
                );
            }
        }
    }
    assert!(
        differ > 0,
        "burn's constants are the exact ones here: nothing tested"
    );
}
