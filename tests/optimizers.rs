//! The optimizers' table (every optimizer's keys, the rules a config and a problem file share),
//! and the exact step of the optimizers added after Adam (AdaGrad, RMSprop, Adan): under the exact convention it is
//! PyTorch's formula, under burn's it is what the hand-written twin computes (bit for bit in
//! f64, the same operations on the same constants), and the spread of the exact constants held
//! in f32 covers burn's f32 constants in an f32 run.

use mlp2d::config::{
    AdaGradSettings, AdanSettings, OPTIMIZERS, Optimizer, OptimizerKeys, OptimizerKind, Precision,
    RmsPropSettings, SETTINGS, SettingValue, setting,
};
use mlp2d::exact::step::bounds::constants_spread;
use mlp2d::exact::step::{Constants, Convention, entry};
use mlp2d::exact::unit_roundoff;
use mlp2d::manual::{AdaGradStep, AdanBuffers, AdanStep, RmsPropBuffers, RmsPropStep};

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

/// Burn's f32 constants against the exact ones held in f32, for `o` at steps 1, 3 and 50 (the
/// buffers before the step `later` after the first): each of its `outputs` within the exact
/// ones' spread, and at least one different (else nothing was tested).
fn f32_constants_within_their_spread(o: Optimizer, later: &[f64], outputs: usize) {
    let u = unit_roundoff(Precision::F32);
    let mut differ = 0;
    for t in [1usize, 3, 50] {
        let exact = constants(o, t, Precision::F32, Convention::Exact);
        let burn = constants(o, t, Precision::F32, Convention::Burn);
        for g in [1e-3, -0.4, 2.0] {
            let before: &[f64] = if t == 1 { &[] } else { later };
            let e = (0.3, g, before);
            let spread = constants_spread(o, &exact, e, None);
            let (a, b) = (entry(o, &exact, e, None), entry(o, &burn, e, None));
            for i in 0..outputs {
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

/// burn's constants (ε and the penalty in f32, λₜ rounded) are within the spread of the exact
/// ones held in f32, in an f32 problem.
#[test]
fn the_spread_of_f32_constants_covers_burns_adagrad() {
    let (o, _) = adagrad(0.07, 0.01);
    f32_constants_within_their_spread(o, &[0.3], 2);
}

fn rmsprop(momentum: f64, centered: bool, weight_decay: f64) -> (Optimizer, RmsPropSettings) {
    let r = RmsPropSettings {
        momentum,
        alpha: 0.9,
        centered,
        epsilon: 1e-5,
        weight_decay,
    };
    (Optimizer::RmsProp(r), r)
}

/// torch.optim.RMSprop: `v ← α·v + (1 − α)·g²`, centered `ḡ ← α·ḡ + (1 − α)·g` and
/// `a = √(v − ḡ²) + ε` (else `√v + ε`), `b ← μ·b + g/a`, `θ ← θ − λ·b` (no momentum: `θ − λ·g/a`).
#[test]
fn the_exact_rmsprop_step_is_pytorchs() {
    let (theta, g0) = (0.3, -0.02);
    for (momentum, centered) in [(0.0, false), (0.9, false), (0.0, true), (0.5, true)] {
        let (o, _) = rmsprop(momentum, centered, 0.01);
        for first in [true, false] {
            let k = constants(
                o,
                if first { 1 } else { 4 },
                Precision::F64,
                Convention::Exact,
            );
            let mut before = vec![4e-4];
            if centered {
                before.push(-0.01);
            }
            if momentum > 0.0 {
                before.push(0.2);
            }
            let old = |i: usize| if first { 0.0 } else { before[i] };
            let got = entry(o, &k, (theta, g0, if first { &[] } else { &before }), None);
            let g = g0 + 0.01 * theta;
            let v = 0.9 * old(0) + 0.1 * g * g;
            let mut want = vec![v];
            let a = if centered {
                let m = 0.9 * old(1) + 0.1 * g;
                want.push(m);
                (v - m * m).sqrt() + 1e-5
            } else {
                v.sqrt() + 1e-5
            };
            let d = if momentum > 0.0 {
                let b = momentum * old(1 + usize::from(centered)) + g / a;
                want.push(b);
                b
            } else {
                g / a
            };
            want.insert(0, theta - LR * d);
            assert_eq!(got.len(), want.len());
            for (i, (got, want)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (got.0 - want).abs() <= 1e-14 * want.abs().max(1e-3),
                    "μ {momentum} centered {centered} first {first} output {i}: {} vs {want}",
                    got.0
                );
            }
        }
    }
}

/// The hand-written twin's RMSprop in f64 is the exact step under burn's constants, bit for bit.
#[test]
fn rmsprop_under_burns_constants_is_the_twins_step() {
    for (momentum, centered, wd) in [(0.0, false, 0.0), (0.9, true, 1e-3), (0.3, false, 0.0)] {
        let (o, r) = rmsprop(momentum, centered, wd);
        let twin = RmsPropStep::<f64>::new(LR, r);
        for first in [true, false] {
            let k = constants(o, 3, Precision::F64, Convention::Burn);
            for (theta, g) in [(0.3, -0.02), (-1.5, 3.0), (0.0, 0.0)] {
                let (mut a, mut m, mut b) = ([0.5], [0.1], [-0.2]);
                let mut before = vec![a[0]];
                if centered {
                    before.push(m[0]);
                }
                if momentum > 0.0 {
                    before.push(b[0]);
                }
                let want = entry(o, &k, (theta, g, if first { &[] } else { &before }), None);
                let mut th = [theta];
                let bufs = RmsPropBuffers {
                    square_avg: &mut a,
                    grad_avg: centered.then_some(&mut m[..]),
                    buf: (momentum > 0.0).then_some(&mut b[..]),
                };
                twin.step(&mut th, &[g], bufs, first);
                let mut got = vec![th[0], a[0]];
                if centered {
                    got.push(m[0]);
                }
                if momentum > 0.0 {
                    got.push(b[0]);
                }
                let want: Vec<f64> = want.iter().map(|w| w.0).collect();
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&got),
                    bits(&want),
                    "{momentum} {centered} {first} {theta} {g}"
                );
            }
        }
    }
}

/// burn's f32 `α`, `1 − α`, `μ`, `ε` and penalty are within the spread of the exact constants
/// held in f32, in an f32 problem.
#[test]
fn the_spread_of_f32_constants_covers_burns_rmsprop() {
    let (o, _) = rmsprop(0.9, true, 0.01);
    let u = unit_roundoff(Precision::F32);
    let mut differ = 0;
    for first in [true, false] {
        let exact = constants(o, 2, Precision::F32, Convention::Exact);
        let burn = constants(o, 2, Precision::F32, Convention::Burn);
        for g in [1e-3, -0.4, 2.0] {
            let before: &[f64] = if first { &[] } else { &[0.3, 0.1, -0.2] };
            let e = (0.3, g, before);
            let spread = constants_spread(o, &exact, e, None);
            let (a, b) = (entry(o, &exact, e, None), entry(o, &burn, e, None));
            for i in 0..a.len() {
                differ += usize::from(a[i].0 != b[i].0);
                assert!(
                    (a[i].0 - b[i].0).abs() <= u * spread[i],
                    "first {first} g {g} output {i}: {} vs {} (spread {})",
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

/// Every optimizer's keys are settings, each once, in the table's order, and its resolved
/// values list exactly those keys with the defaults.
#[test]
fn every_optimizers_keys_are_settings_in_order() {
    for o in OPTIMIZERS {
        let order: Vec<usize> = o
            .defaults
            .iter()
            .map(|(k, _)| SETTINGS.iter().position(|s| s.key == *k).expect(k))
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", o.name);
        let resolved = OptimizerKeys::default().resolve(o.kind);
        assert_eq!(resolved.kind(), o.kind);
        assert_eq!(resolved.values(true), o.defaults.to_vec(), "{}", o.name);
        for (k, v) in o.defaults {
            let is_bool = matches!(v, SettingValue::Bool(_));
            assert_eq!(setting(k).unwrap().range.is_none(), is_bool, "{k}");
        }
    }
}

#[test]
fn keys_that_do_not_apply_and_values_out_of_range_are_named() {
    let keys = |k: &str, v: SettingValue| {
        let mut o = OptimizerKeys::default();
        assert!(o.set(k, v));
        o
    };
    let e = keys("nesterov", SettingValue::Bool(true))
        .check(OptimizerKind::Sgd)
        .unwrap_err();
    assert_eq!(
        e,
        "nesterov applies to optimizer = \"sgd\" with momentum > 0 only (optimizer is \"sgd\")"
    );
    let e = keys("epsilon", SettingValue::Number(1e-8))
        .check(OptimizerKind::Sgd)
        .unwrap_err();
    assert!(
        e.starts_with("epsilon applies to optimizer = \"adam\", \"adamw\"")
            && e.contains("\"adagrad\""),
        "{e}"
    );
    let e = keys("momentum", SettingValue::Number(1.5))
        .check(OptimizerKind::Sgd)
        .unwrap_err();
    assert_eq!(e, "momentum must be at least 0 and below 1, got 1.5");
    let e = keys("beta_2", SettingValue::Number(0.999_999_999))
        .check(OptimizerKind::Adam)
        .unwrap_err();
    assert!(e.contains("beyond f32"), "{e}");
    let e = keys("epsilon", SettingValue::Number(1e-50))
        .check(OptimizerKind::Adamw)
        .unwrap_err();
    assert!(e.contains("beyond f32"), "{e}");
    assert!(
        keys("dampening", SettingValue::Number(1e-50))
            .check(OptimizerKind::Sgd)
            .is_err(),
        "dampening needs momentum"
    );
}

fn adan(weight_decay: f64, no_prox: bool) -> (Optimizer, AdanSettings) {
    let a = AdanSettings {
        beta_1: 0.98,
        beta_2: 0.92,
        beta_3: 0.99,
        epsilon: 1e-8,
        weight_decay,
        no_prox,
    };
    (Optimizer::Adan(a), a)
}

/// The Adan paper's step as its authors' PyTorch code writes it (sail-sg/Adan, `betas` as
/// decays): the first step's difference 0, `n̂ = n/(1 − β₂ᵗ)`, `m̂ + β₂·n̂` over
/// `√(v/(1 − β₃ᵗ)) + ε`, the proximal decay `θ/(1 + λ·wd)`.
#[test]
fn the_exact_adan_step_is_the_papers() {
    let (o, a) = adan(0.02, false);
    let (theta, g, prev, m0, v0, n0) = (0.3, -0.02, 0.05, 0.01, 4e-4, -3e-3);
    for t in [1usize, 2, 9] {
        let k = constants(o, t, Precision::F64, Convention::Exact);
        let before: &[f64] = if t == 1 { &[] } else { &[m0, v0, n0, -prev] };
        let got = entry(o, &k, (theta, g, before), None);
        let diff = if t == 1 { 0.0 } else { g - prev };
        let (b1, b2, b3) = (a.beta_1, a.beta_2, a.beta_3);
        let keep = |old: f64, b: f64, new: f64| {
            if t == 1 {
                (1.0 - b) * new
            } else {
                b * old + (1.0 - b) * new
            }
        };
        let m = keep(m0, b1, g);
        let n = keep(n0, b2, diff);
        let v = keep(v0, b3, (g + b2 * diff).powi(2));
        let c = |b: f64| 1.0 - b.powi(t as i32);
        let den = (v / c(b3)).sqrt() + 1e-8;
        let want = (theta - LR * (m / c(b1) + b2 * n / c(b2)) / den) / (1.0 + LR * 0.02);
        assert!(
            (got[0].0 - want).abs() <= 1e-15 * want.abs(),
            "t {t}: {} vs {want}",
            got[0].0
        );
        for (i, w) in [m, v, n, -g].into_iter().enumerate() {
            assert!(
                (got[1 + i].0 - w).abs() <= 1e-16 * w.abs().max(1e-3),
                "t {t} buffer {i}"
            );
        }
    }
}

/// The hand-written twin's step in f64 is the exact step under burn's constants, bit for bit,
/// with proximal, decoupled (no_prox) and no weight decay.
#[test]
fn adan_under_burns_constants_is_the_twins_step() {
    for (wd, no_prox) in [(0.0, false), (0.01, false), (0.05, true)] {
        let (o, a) = adan(wd, no_prox);
        for t in [1usize, 2, 40] {
            let k = constants(o, t, Precision::F64, Convention::Burn);
            let twin = AdanStep::<f64>::new(LR, a, t);
            for (theta, g, b) in [
                (0.3, -0.02, [0.01, 4e-4, -3e-3, -0.05]),
                (-1.5, 3.0, [1.0, 2.0, 0.5, 2.5]),
                (0.0, 0.0, [0.0; 4]),
            ] {
                let before: &[f64] = if t == 1 { &[] } else { &b };
                let want = entry(o, &k, (theta, g, before), None);
                let (mut th, [mut m, mut v, mut n, mut neg]) = ([theta], b.map(|x| [x]));
                let buffers = AdanBuffers {
                    exp_avg: &mut m,
                    exp_avg_sq: &mut v,
                    exp_avg_diff: &mut n,
                    neg_pre_grad: &mut neg,
                };
                twin.step(&mut th, &[g], buffers, t == 1);
                let got = [th[0], m[0], v[0], n[0], neg[0]];
                for (i, (x, w)) in got.iter().zip(&want).enumerate() {
                    assert_eq!(
                        x.to_bits(),
                        w.0.to_bits(),
                        "{wd} {no_prox} t {t} output {i}"
                    );
                }
            }
        }
    }
}

/// burn's f32 constants (the betas, ε, the bias corrections computed in f32) are within the
/// spread of the exact ones held in f32, in an f32 problem.
#[test]
fn the_spread_of_f32_constants_covers_burns_adan() {
    let (o, _) = adan(0.01, false);
    f32_constants_within_their_spread(o, &[0.1, 0.3, -0.05, 0.2], 5);
}
