//! Pictures that show what happened: a run failing on a gated drift draws the drift against
//! `drift_tol`, a diverged run marks its blow-up, long titles wrap inside the picture, and the
//! burn twin's dashes stay visible on top of the hand-written twin's band.

use mlp2d::divergence::Blowup;
use mlp2d::metrics::{Disagreement, EpochMetrics, Measure};
use mlp2d::plot::{Gates, LossPicture, loss_png, text_width, wrap_text};

/// Width, height and RGB bytes of a PNG.
fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(bytes).read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("it decodes");
    buf.truncate(info.buffer_size());
    assert_eq!(info.color_type.samples(), 3, "RGB");
    (info.width, info.height, buf)
}

/// Pixels of exactly `colour` in the rows `rows`.
fn count(png: &[u8], colour: [u8; 3], rows: std::ops::Range<u32>) -> usize {
    let (w, h, buf) = decode(png);
    rows.filter(|&y| y < h)
        .flat_map(|y| (0..w).map(move |x| ((y * w + x) * 3) as usize))
        .filter(|&i| buf[i..i + 3] == colour)
        .count()
}

/// Ten epochs of twins that agree, the drift growing tenfold each epoch from 1e-10.
fn metrics() -> Vec<EpochMetrics> {
    (1..=10)
        .map(|epoch| {
            let loss = 1.0 / epoch as f64;
            EpochMetrics {
                epoch,
                loss_manual: loss,
                loss_burn: loss,
                train_acc_manual: 0.5 + 0.04 * epoch as f64,
                train_acc_burn: 0.5 + 0.04 * epoch as f64,
                test_acc_manual: Some(0.5 + 0.03 * epoch as f64),
                test_acc_burn: Some(0.5 + 0.03 * epoch as f64),
                test_loss_manual: None,
                test_loss_burn: None,
                max_grad_rel_err: 1e-13,
                max_drift: 1e-11 * 10f64.powi(epoch as i32),
                seconds_manual: 0.1,
                seconds_burn: 0.1,
                grad_rel_err: 1e-13,
                drift: 1e-11 * 10f64.powi(epoch as i32),
                max_err_bound: 0.1,
                err_bound: 0.1,
                ambiguous_units: 0,
            }
        })
        .collect()
}

fn picture<'a>(metrics: &'a [EpochMetrics], title: &'a str) -> LossPicture<'a> {
    LossPicture {
        metrics,
        initial_loss: Some((2.0, 2.0)),
        epochs: 10,
        steps_per_epoch: 10,
        gates: Gates {
            err_bound_limit: 4.0,
            grad_tol: None,
            drift_tol: None,
        },
        title,
        first_fail: None,
        diverged: None,
    }
}

/// The colours loss.png draws with (src/plot/curves.rs): drift is Tableau purple, the burn
/// twin's loss dashes a darker orange, the hand-written twin's band a light blue, a blow-up red.
const DRIFT: [u8; 3] = [0xb0, 0x7a, 0xa1];
const BURN_DASHES: [u8; 3] = [169, 99, 30];
const MANUAL_BAND: [u8; 3] = [175, 195, 215];
const BLOWUP_RED: [u8; 3] = [0xc0, 0x20, 0x20];

#[test]
fn a_run_failing_on_drift_draws_the_drift_against_drift_tol() {
    let m = metrics();
    let fail = Disagreement {
        epoch: 5,
        step: 44,
        measure: Measure::Drift,
        tensor: "grad.layers.1.bias".to_owned(),
        value: 1e-6,
        tolerance: 1e-7,
        cause: None,
        finding: None,
    };
    let mut gated = picture(&m, "drift: FAIL");
    gated.gates.drift_tol = Some(1e-7);
    gated.first_fail = Some(&fail);
    let png = loss_png(&gated).unwrap();
    let (w, h, _) = decode(&png);
    // A fourth panel, as tall as the others, holds the gated measures.
    assert_eq!((w, h), (900, 1000 + 956 / 3));
    let fourth = 1000 - 4..h;
    assert!(
        count(&png, DRIFT, fourth.clone()) > 300,
        "drift is drawn in the gated panel"
    );
    assert!(
        count(&png, BLOWUP_RED, fourth) > 20,
        "the first disagreement is marked"
    );

    // Not gated: no such panel, and no drift drawn anywhere.
    let plain = loss_png(&picture(&m, "drift: PASS")).unwrap();
    let (_, h, _) = decode(&plain);
    assert_eq!(h, 1000);
    assert_eq!(count(&plain, DRIFT, 0..h), 0);
}

#[test]
fn a_diverged_run_marks_its_blow_up_and_claims_no_agreement_it_did_not_measure() {
    let m = metrics();
    let before = &m[..3];
    let message = "training diverged at epoch 4, step 35: the burn twin's loss grew from 2 to \
                   3.000e6; try a smaller learning_rate or init = \"he\"";
    let mut p = picture(before, "diverged: DIVERGED");
    p.diverged = Some((
        Blowup {
            epoch: 4,
            step: 35,
            loss: 3e6,
        },
        message,
    ));
    let png = loss_png(&p).unwrap();
    let (_, h, _) = decode(&png);
    assert_eq!(h, 1024, "the message takes one line under the title");
    // The loss panel (below the 68-pixel header, a third of the rest) has the red cross,
    // the line to it, and the text naming the step.
    let loss_panel = 68..68 + 956 / 3;
    let red = count(&png, BLOWUP_RED, loss_panel.clone());
    assert!(
        red > 300,
        "the blow-up is marked in the loss panel: {red} red pixels"
    );
    let undiverged = loss_png(&picture(before, "diverged: DIVERGED")).unwrap();
    assert_eq!(count(&undiverged, BLOWUP_RED, 44..1000), 0);

    // Diverged in epoch 1: nothing per epoch; the panels say so instead of an empty legend.
    let mut first = picture(&[], "diverged in epoch 1: DIVERGED");
    first.diverged = Some((
        Blowup {
            epoch: 1,
            step: 2,
            loss: f64::NAN,
        },
        "training diverged at epoch 1, step 2: the burn twin's loss is NaN or infinite",
    ));
    let png = loss_png(&first).unwrap();
    assert!(count(&png, BLOWUP_RED, 68..68 + 956 / 3) > 100);
    // Notes in the accuracy and agreement panels (grey text), which the same empty panels
    // without a divergence do not have.
    // (Without the message under the title, the panels start 24 rows higher.)
    let without = loss_png(&picture(&[], "diverged in epoch 1: DIVERGED")).unwrap();
    for rows in [68 + 956 / 3..68 + 2 * 956 / 3, 68 + 2 * 956 / 3..1024] {
        let there = grey_text(&png, rows.clone());
        let not = grey_text(&without, rows.start - 24..rows.end - 24);
        assert!(
            there > not + 100,
            "a note in rows {rows:?}: {there} against {not}"
        );
    }
}

/// Pixels of grey text (antialiased grey on white) in the rows `rows`.
fn grey_text(png: &[u8], rows: std::ops::Range<u32>) -> usize {
    let (w, _, buf) = decode(png);
    rows.flat_map(|y| (0..w).map(move |x| ((y * w + x) * 3) as usize))
        .filter(|&i| {
            let (r, g, b) = (buf[i], buf[i + 1], buf[i + 2]);
            r == g && g == b && (80..200).contains(&r)
        })
        .count()
}

#[test]
fn wrapped_lines_fit_and_keep_every_word() {
    let title = "a-rather-long-run-name-for-the-spiral-at-128x4-with-normal-init: spiral data, \
                 net [2, 128, 128, 128, 128, 3], f64 on flex, init normal, lr 0.01, batch 32: \
                 DIVERGED";
    let lines = wrap_text(title, 20.0, 868);
    assert!(lines.len() >= 2, "{lines:?}");
    for line in &lines {
        assert!(text_width(line, 20.0) <= 868, "{line:?} is too wide");
    }
    assert_eq!(lines.join(" "), title);
    assert!(lines.last().unwrap().ends_with("DIVERGED"));

    // A short title stays on one line; a word wider than the picture is cut with an ellipsis.
    assert_eq!(wrap_text("moons: PASS", 20.0, 868), vec!["moons: PASS"]);
    let word = "x".repeat(400);
    let cut = wrap_text(&word, 20.0, 300);
    assert_eq!(cut.len(), 1);
    assert!(cut[0].ends_with('…') && text_width(&cut[0], 20.0) <= 300);
}

#[test]
fn a_long_title_stays_inside_the_picture() {
    let m = metrics();
    let title = format!(
        "{}: spiral data, net [2, 128, 128, 128, 128, 3], f64 on flex, init normal, lr 0.01, \
         batch 32: FAIL",
        "a-run-with-a-long-name".repeat(3)
    );
    let png = loss_png(&picture(&m, &title)).unwrap();
    let (w, h, buf) = decode(&png);
    assert_eq!(h, 1000 + 26, "the title takes two lines");
    // The title's rows: glyphs, but none in the last 16 columns.
    let ink = |x: std::ops::Range<u32>| {
        (8..66u32)
            .flat_map(|y| x.clone().map(move |x| ((y * w + x) * 3) as usize))
            .filter(|&i| buf[i] < 128)
            .count()
    };
    assert!(ink(0..w) > 400);
    assert_eq!(ink(w - 16..w), 0, "the title runs to the right edge");
}

#[test]
fn the_burn_twins_dashes_stay_visible_over_the_hand_written_band() {
    let m = metrics();
    let png = loss_png(&picture(&m, "identical twins")).unwrap();
    let loss_panel = 44..44 + 956 / 3;
    // The twins' losses are equal: both still show, the band beside and between the dashes.
    assert!(count(&png, BURN_DASHES, loss_panel.clone()) > 200);
    assert!(count(&png, MANUAL_BAND, loss_panel) > 400);
}

/// `err_bound_limit = inf` (the config's "do not check") draws the agreement panel without a
/// limit line, and returns: a log axis up to infinity would never end.
#[test]
fn an_infinite_err_bound_limit_draws_no_limit_line() {
    const LIMIT_RED: [u8; 3] = [0xe1, 0x57, 0x59];
    let m = metrics();
    let agreement = 1000 * 2 / 3..1000;
    let finite = loss_png(&picture(&m, "limit 4")).unwrap();
    assert!(
        count(&finite, LIMIT_RED, agreement.clone()) > 100,
        "the limit line"
    );

    let (done, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let m = metrics();
        let mut unchecked = picture(&m, "limit inf");
        unchecked.gates.err_bound_limit = f64::INFINITY;
        let _ = done.send(loss_png(&unchecked).unwrap());
    });
    let png = rx
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("loss.png with an infinite limit is drawn");
    assert_eq!(count(&png, LIMIT_RED, agreement), 0, "no limit line");
}
