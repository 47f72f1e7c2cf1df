//! The optimizer step's rounding bound, derived from its formula (src/exact/step/formula.rs over
//! agreement/rounded.rs's numbers), holds what an f32 evaluation rounds: the hand-written twin's
//! step in f32, at f32 inputs, against the exact step under burn's constants, for every
//! optimizer and each of its settings that changes the formula, over several steps of state.
//! Every new parameter and state entry is within `u·S`, and the bound is not loose by orders
//! of magnitude (some entry uses a tenth of it).

use mlp2d::agreement::{unit_roundoff, update_scales};
use mlp2d::config::{
    Activation, AdaGradSettings, AdamSettings, AdanSettings, Init, NetSpec, Optimizer, Precision,
    RmsPropSettings, SgdSettings,
};
use mlp2d::exact::step::{Convention, step};
use mlp2d::params::{OptimizerState, Params};
use mlp2d::twins::manual_net;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const F32: Precision = Precision::F32;
const LR: f64 = 0.05;

fn optimizers() -> Vec<Optimizer> {
    let sgd = |momentum, dampening, nesterov, weight_decay| {
        Optimizer::Sgd(SgdSettings {
            momentum,
            dampening,
            nesterov,
            weight_decay,
        })
    };
    let adam = AdamSettings {
        beta_1: 0.9,
        beta_2: 0.999,
        epsilon: 1e-5,
        weight_decay: 0.0,
    };
    let decayed = AdamSettings {
        weight_decay: 0.01,
        ..adam
    };
    let mut all = vec![
        sgd(0.0, 0.0, false, 0.0),
        sgd(0.0, 0.0, false, 1e-3),
        sgd(0.9, 0.1, false, 1e-3),
        sgd(0.9, 0.0, true, 0.0),
        Optimizer::Adam(adam),
        Optimizer::Adam(decayed),
        Optimizer::AdamW(adam),
        Optimizer::AdamW(decayed),
        Optimizer::AdaGrad(AdaGradSettings {
            lr_decay: 1e-3,
            epsilon: 1e-5,
            weight_decay: 1e-2,
        }),
    ];
    for (centered, momentum) in [(false, 0.0), (true, 0.0), (false, 0.9), (true, 0.9)] {
        all.push(Optimizer::RmsProp(RmsPropSettings {
            momentum,
            alpha: 0.99,
            centered,
            epsilon: 1e-8,
            weight_decay: 1e-3,
        }));
    }
    for no_prox in [false, true] {
        all.push(Optimizer::Adan(AdanSettings {
            beta_1: 0.98,
            beta_2: 0.92,
            beta_3: 0.99,
            epsilon: 1e-8,
            weight_decay: 0.02,
            no_prox,
        }));
    }
    all
}

/// A gradient in f32 with entries over many magnitudes (1e-7 to 1).
fn gradient(like: &Params, rng: &mut ChaCha8Rng) -> Params {
    let mut g = like.clone();
    for l in &mut g.layers {
        let mut draw = |v: &mut f64| {
            *v = rng.gen_range(-1.0..1.0) * 10f64.powi(rng.gen_range(-7..=0));
        };
        l.weight.iter_mut().for_each(&mut draw);
        l.bias.iter_mut().for_each(&mut draw);
    }
    g.rounded(F32)
}

/// `|twin − exact| / (u·S)` for every entry.
fn ratios(twin: &Params, exact: &Params, scale: &Params, u: f64) -> Vec<f64> {
    let mut out = Vec::new();
    for ((t, e), s) in twin.layers.iter().zip(&exact.layers).zip(&scale.layers) {
        for ((a, b), s) in t.weight.iter().zip(&e.weight).zip(&s.weight) {
            out.push((a - b).abs() / (u * s));
        }
        for ((a, b), s) in t.bias.iter().zip(&e.bias).zip(&s.bias) {
            out.push((a - b).abs() / (u * s));
        }
    }
    out
}

#[test]
fn the_derived_step_bound_holds_an_f32_evaluation() {
    let u = unit_roundoff(F32);
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let mut worst_overall = 0.0f64;
    for optimizer in optimizers() {
        let spec = NetSpec {
            precision: F32,
            activation: Activation::Relu,
            optimizer,
            learning_rate: LR,
        };
        let mut theta = Params::init(&[2, 8, 3], Init::Normal, 5).rounded(F32);
        let mut state = OptimizerState::default();
        let mut worst = 0.0f64;
        for t in 0..6 {
            let grad = gradient(&theta, &mut rng);
            let mut twin = manual_net(&theta, spec);
            let (next, next_state) = twin.update(&grad, &state);
            let exact = step(
                optimizer,
                (&theta, &grad, &state),
                (LR, F32),
                (Convention::Burn, None),
            );
            let scales = update_scales(optimizer, (&theta, &grad, &state), LR, F32);
            let mut r = ratios(&next, &exact.params.0, &scales.params, u);
            for ((name, value, _), (scale_name, scale)) in exact.buffers.iter().zip(&scales.buffers)
            {
                assert_eq!(name, scale_name);
                let kept = next_state.buffer(name).expect("the twin keeps the buffer");
                r.extend(ratios(kept, value, scale, u));
            }
            let most = r.iter().fold(0.0f64, |a, &b| a.max(b));
            assert!(most <= 1.0, "{optimizer:?} step {t}: {most} of the bound");
            worst = worst.max(most);
            theta = next;
            state = next_state;
        }
        assert!(worst > 0.0, "{optimizer:?}: the f32 step rounded nothing");
        worst_overall = worst_overall.max(worst);
    }
    assert!(worst_overall > 0.1, "the bound is loose: {worst_overall}");
}
