//! The playground in a real browser (headless Chromium): the controls (the activation and the
//! optimizer with the inputs that apply), play, the verdict, the boundary, a bad upload, a
//! reload from the URL, and the export reproduced by `compare`.
//!
//! Without Chromium the test says so and passes, unless `CI` is set: then it fails (.ci/run
//! installs Chromium). It saves a screenshot as target/playground.png; with
//! `MLP2D_UPDATE_SCREENSHOT=1` also as results/playground.png (the README's picture).

mod common;

use std::path::Path;
use std::time::Duration;

use common::browser::Browser;
use common::server::Server;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);

/// Sets a control's value as a person would (input and change events).
fn set(b: &mut Browser, selector: &str, value: &str) {
    let js = format!(
        "(() => {{ const e = document.querySelector({selector:?}); if (!e) throw new Error('no ' + {selector:?});
           e.value = {value:?}; e.dispatchEvent(new Event('input', {{bubbles: true}}));
           e.dispatchEvent(new Event('change', {{bubbles: true}})); return e.value; }})()"
    );
    b.eval(&js)
        .unwrap_or_else(|e| panic!("set {selector}: {e}"));
}

fn click(b: &mut Browser, selector: &str) {
    let js = format!(
        "(() => {{ const e = document.querySelector({selector:?}); if (!e) throw new Error('no ' + {selector:?}); e.click(); return true; }})()"
    );
    b.eval(&js)
        .unwrap_or_else(|e| panic!("click {selector}: {e}"));
}

fn text(b: &mut Browser, selector: &str) -> String {
    let v = b
        .eval(&format!(
            "document.querySelector({selector:?})?.textContent?.trim() ?? null"
        ))
        .unwrap();
    v.as_str().unwrap_or_default().to_owned()
}

/// Waits for a `ready` whose settings satisfy `condition` (JS over `s`, the settings).
fn wait_ready(b: &mut Browser, condition: &str) {
    let js = format!(
        "(() => {{ const r = window.mlp2d?.state?.ready; if (!r) return false; const s = r.settings; return !!({condition}); }})()"
    );
    if let Err(e) = b.wait_for(&js, WAIT) {
        let seen = b.eval(
            "JSON.stringify({href: location.href, settings: window.mlp2d?.state?.ready?.settings, error: window.mlp2d?.state?.error})",
        );
        panic!("ready with {condition}: {e}; the page has {seen:?}");
    }
}

/// Whether the label holding control `id` is shown.
fn shown(b: &mut Browser, id: &str) -> bool {
    let js = format!("!document.querySelector('#{id}').closest('label').hidden");
    b.eval(&js).unwrap().as_bool().unwrap()
}

/// The controls among `ids` that are shown.
fn shown_of(b: &mut Browser, ids: &[&str]) -> Vec<String> {
    ids.iter()
        .filter(|id| shown(b, id))
        .map(|id| id.to_string())
        .collect()
}

const CHOICE_INPUTS: [&str; 8] = [
    "negative-slope",
    "momentum",
    "dampening",
    "nesterov",
    "beta-1",
    "beta-2",
    "epsilon",
    "weight-decay",
];

/// Pauses (wherever the run is, mid-epoch most likely); the export's `compare` reproduces it:
/// the train loss the page shows, and the burn twin's parameters the page has, bit for bit.
/// The export's folder (kept alive by the returned guard).
fn export_is_reproduced(b: &mut Browser, min_epochs: u64) -> tempfile::TempDir {
    click(b, "#play");
    b.wait_for("window.mlp2d.state.lastFrame?.running === false", WAIT)
        .expect("paused");
    let export = b.eval("window.mlp2d.exportRun()").expect("export");
    reproduced(b, &export, min_epochs)
}

/// `compare` on `export` ends where the page is: the same epochs, the same loss shown, and
/// the exported parameters as its final ones. The compare run's folder.
fn reproduced(b: &mut Browser, export: &Value, min_epochs: u64) -> tempfile::TempDir {
    let steps = export["steps"].as_u64().unwrap();
    assert_eq!(
        b.eval("window.mlp2d.state.step").unwrap(),
        steps,
        "{export}"
    );
    // Between two epoch ends the config says where to stop; its last epoch is not a whole one.
    let whole = match export["stop_at_step"].as_u64() {
        Some(stop) => {
            assert_eq!(stop, steps);
            let note = text(b, "#export-note");
            assert!(note.contains(&format!("stop_at_step = {steps}")), "{note}");
            export["epochs"].as_u64().unwrap() - 1
        }
        None => export["epochs"].as_u64().unwrap(),
    };
    assert!(whole >= min_epochs, "{whole} epochs");
    b.wait_for(
        &format!("window.mlp2d.state.epochs.length >= {whole}"),
        WAIT,
    )
    .expect("every epoch reached the page");
    let shown: f64 = b
        .eval("document.querySelector('#loss-burn').dataset.value")
        .unwrap()
        .as_str()
        .expect("#loss-burn has data-value")
        .parse()
        .unwrap();
    let (dir, out, rows) = common::server::compare_export(export["toml"].as_str().unwrap());
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert_eq!(rows.len() as u64, whole, "{summary}");
    let from_compare: f64 = rows.last().unwrap()["loss_burn"].parse().unwrap();
    assert_eq!(shown, from_compare, "the page's loss after {whole} epochs");
    let summary: Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["steps"], steps);
    use base64::Engine;
    let exported = base64::engine::general_purpose::STANDARD
        .decode(export["safetensors"].as_str().unwrap())
        .unwrap();
    let final_burn = std::fs::read(out.join("final_burn.safetensors")).unwrap();
    for name in ["layers.0.weight", "layers.0.bias", "layers.2.weight"] {
        assert_eq!(
            mlp2d::params::read_tensor(&exported, name).unwrap(),
            mlp2d::params::read_tensor(&final_burn, name).unwrap(),
            "{name} after {steps} steps"
        );
    }
    dir
}

/// The hidden layers the page shows: as many as `widths`, each that wide.
fn set_layers(b: &mut Browser, widths: &[usize]) {
    for _ in 0..10 {
        let n = b
            .eval("document.querySelectorAll('#layers .width').length")
            .unwrap()
            .as_u64()
            .unwrap() as usize;
        match n.cmp(&widths.len()) {
            std::cmp::Ordering::Less => click(b, "#add-layer"),
            std::cmp::Ordering::Greater => click(b, "#remove-layer"),
            std::cmp::Ordering::Equal => break,
        }
    }
    for (i, w) in widths.iter().enumerate() {
        let selector = format!("#layers .width:nth-of-type({})", i + 1);
        let js = format!(
            "(() => {{ const e = document.querySelectorAll('#layers .width')[{i}];
               e.value = '{w}'; e.dispatchEvent(new Event('input', {{bubbles: true}}));
               e.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()"
        );
        b.eval(&js)
            .unwrap_or_else(|e| panic!("width {selector}: {e}"));
    }
}

#[test]
fn the_playground_works_in_a_browser() {
    let Some(_) = Browser::find() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "no Chromium found: install the chromium package (.ci/run does)"
        );
        eprintln!("playground test skipped: no Chromium (install the chromium package)");
        return;
    };
    let server = Server::start(&[]);
    let mut b = Browser::launch().expect("Chromium starts");
    b.goto(&server.url()).expect("the page loads");
    b.wait_for(
        "window.mlp2d?.state?.connected === true && !!window.mlp2d.state.ready",
        WAIT,
    )
    .expect("the page connects and gets a first run");

    // Moons and [16, 16] through the controls; a learning rate that trains in a few epochs.
    set(&mut b, "#kind", "moons");
    wait_ready(&mut b, "s.data.kind === 'moons'");
    set_layers(&mut b, &[16, 16]);
    set(&mut b, "#lr", "0.05");
    wait_ready(
        &mut b,
        "s.data.kind === 'moons' && s.model.hidden.join(',') === '16,16' && s.train.learning_rate === 0.05",
    );

    click(&mut b, "#play");
    b.wait_for("window.mlp2d.state.epoch >= 20", WAIT)
        .expect("20 epochs");
    assert_eq!(text(&mut b, "#verdict"), "PASS");
    let colours = b
        .eval(
            "(() => { const c = document.querySelector('#boundary');
               const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
               const seen = new Set();
               for (let i = 0; i < d.length; i += 4 * 97) seen.add((d[i] >> 4) + ',' + (d[i+1] >> 4) + ',' + (d[i+2] >> 4));
               return seen.size; })()",
        )
        .unwrap()
        .as_u64()
        .unwrap();
    assert!(
        colours >= 2,
        "the boundary canvas holds {colours} colour(s)"
    );

    // Pause; the export reproduces the shown loss through `compare`.
    let dir = export_is_reproduced(&mut b, 20);

    // The activation and the optimizer: only the inputs that apply are shown, and sent.
    assert_eq!(
        shown_of(&mut b, &CHOICE_INPUTS),
        ["momentum", "weight-decay"]
    );
    set(&mut b, "#activation", "leaky_relu");
    wait_ready(
        &mut b,
        "s.model.activation === 'leaky_relu' && s.model.negative_slope === 0.01",
    );
    set(&mut b, "#momentum", "0.9");
    wait_ready(
        &mut b,
        "s.train.momentum === 0.9 && s.train.dampening === 0 && s.train.nesterov === false",
    );
    assert_eq!(
        shown_of(&mut b, &CHOICE_INPUTS),
        [
            "negative-slope",
            "momentum",
            "dampening",
            "nesterov",
            "weight-decay"
        ]
    );
    click(&mut b, "#nesterov");
    wait_ready(&mut b, "s.train.nesterov === true");
    set(&mut b, "#optimizer", "adamw");
    wait_ready(
        &mut b,
        "s.train.optimizer === 'adamw' && s.train.weight_decay === 1e-4 && !('momentum' in s.train)",
    );
    set(&mut b, "#activation", "tanh");
    set(&mut b, "#optimizer", "adam");
    set(&mut b, "#lr", "0.01");
    set(&mut b, "#beta-2", "0.99");
    wait_ready(
        &mut b,
        "s.model.activation === 'tanh' && !('negative_slope' in s.model) && s.train.optimizer === 'adam'
         && s.train.beta_1 === 0.9 && s.train.beta_2 === 0.99 && s.train.epsilon === 1e-5
         && s.train.weight_decay === 0 && !('nesterov' in s.train) && s.train.learning_rate === 0.01",
    );
    assert_eq!(
        shown_of(&mut b, &CHOICE_INPUTS),
        ["beta-1", "beta-2", "epsilon", "weight-decay"]
    );
    assert_eq!(
        b.eval("window.mlp2d.state.error").unwrap(),
        serde_json::Value::Null,
        "the server refused no key"
    );
    let hash = b.eval("location.hash").unwrap();
    let hash = hash.as_str().unwrap();
    for pair in [
        "activation=tanh",
        "optimizer=adam",
        "beta_2=0.99",
        "epsilon=0.00001",
    ] {
        assert!(hash.contains(pair), "{pair} in {hash}");
    }
    assert!(!hash.contains("momentum"), "{hash}");
    // The explanation follows the choice.
    let explained = text(&mut b, "details");
    for words in ["tanh′ = 1 − tanh²", "Adam step", "ε·c₂", "β₂ = 0.99"] {
        assert!(explained.contains(words), "{words:?} in {explained}");
    }
    assert!(!explained.contains("plain SGD"), "{explained}");
    assert!(text(&mut b, "#ambiguous-label").contains("no kink"));
    click(&mut b, "#play");
    b.wait_for("window.mlp2d.state.epoch >= 10", WAIT)
        .expect("10 epochs of tanh and Adam");
    assert_eq!(text(&mut b, "#verdict"), "PASS");
    let signed = b.eval("window.mlp2d.state.ready.signed_units").unwrap();
    assert_eq!(signed, true, "tanh's unit maps are signed");
    let _adam = export_is_reproduced(&mut b, 10);

    // A bad CSV: one line of error, and the page keeps working.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "x1,x2,label\n1,2,a\nnot,a,row,at,all\n").unwrap();
    b.set_file_input("#csv-file", &bad)
        .expect("the file is chosen");
    b.wait_for("!!window.mlp2d.state.error", WAIT)
        .expect("an error is shown");
    let error = text(&mut b, "#error");
    assert!(error.contains("bad.csv"), "{error}");
    let step = b.eval("window.mlp2d.state.step").unwrap().as_u64().unwrap();
    click(&mut b, "#step");
    b.wait_for(&format!("window.mlp2d.state.step > {step}"), WAIT)
        .expect("a step after the error");

    // The URL holds the settings: a reload restores them.
    set(&mut b, "#noise", "0.2");
    wait_ready(&mut b, "s.data.noise === 0.2");
    let url = b.eval("location.href").unwrap();
    b.eval("window.before_reload = true").unwrap();
    b.reload().expect("reload");
    assert_eq!(
        b.eval("window.before_reload === undefined").unwrap(),
        true,
        "a new document"
    );
    b.wait_for(
        "window.mlp2d?.state?.connected === true && !!window.mlp2d.state.ready",
        WAIT,
    )
    .expect("the reloaded page connects");
    assert_eq!(b.eval("location.href").unwrap(), url);
    wait_ready(
        &mut b,
        "s.data.kind === 'moons' && s.data.noise === 0.2 && s.model.hidden.join(',') === '16,16'
         && s.train.learning_rate === 0.01 && s.model.activation === 'tanh' && s.train.optimizer === 'adam'
         && s.train.beta_2 === 0.99",
    );
    for (control, value) in [
        ("#noise", "0.2"),
        ("#activation", "tanh"),
        ("#optimizer", "adam"),
        ("#beta-2", "0.99"),
    ] {
        let got = b
            .eval(&format!("document.querySelector('{control}').value"))
            .unwrap();
        assert_eq!(got.as_str(), Some(value), "{control} after the reload");
    }
    assert_eq!(
        shown_of(&mut b, &CHOICE_INPUTS),
        ["beta-1", "beta-2", "epsilon", "weight-decay"]
    );

    // One epoch, one step, reset.
    click(&mut b, "#epoch");
    b.wait_for(
        "window.mlp2d.state.lastFrame?.epoch === 1 && window.mlp2d.state.lastFrame?.running === false",
        WAIT,
    )
    .expect("#epoch trains one epoch");
    click(&mut b, "#step");
    b.wait_for("window.mlp2d.state.lastFrame?.steps_in_epoch === 1", WAIT)
        .expect("#step takes one step");
    click(&mut b, "#reset");
    b.wait_for("window.mlp2d.state.lastFrame?.step === 0", WAIT)
        .expect("#reset starts over");

    // The other controls each reach the run's settings.
    set(&mut b, "#precision", "f32");
    wait_ready(&mut b, "s.compare.precision === 'f32'");
    set(&mut b, "#backend", "ndarray");
    wait_ready(&mut b, "s.compare.backend === 'ndarray'");
    set(&mut b, "#init", "normal");
    wait_ready(&mut b, "s.model.init === 'normal'");
    set(&mut b, "#batch", "8");
    wait_ready(&mut b, "s.train.batch_size === 8");
    set(&mut b, "#test-fraction", "0.3");
    wait_ready(&mut b, "s.data.test_fraction === 0.3");
    set(&mut b, "#samples", "400");
    wait_ready(&mut b, "s.data.samples === 400");
    set(&mut b, "#kind", "spiral");
    wait_ready(&mut b, "s.data.kind === 'spiral'");
    set(&mut b, "#classes", "4");
    wait_ready(&mut b, "s.data.kind === 'spiral' && s.data.classes === 4");
    assert_eq!(
        b.eval("window.mlp2d.state.ready.sizes.at(-1)").unwrap(),
        serde_json::json!(4)
    );
    let seed = b.eval("window.mlp2d.state.ready.settings.seed").unwrap();
    click(&mut b, "#regenerate");
    wait_ready(&mut b, &format!("s.seed !== {seed}"));
    click(&mut b, "#epoch");
    b.wait_for("window.mlp2d.state.lastFrame?.epoch === 1", WAIT)
        .expect("an f32 ndarray epoch");
    assert_eq!(text(&mut b, "#verdict"), "PASS");

    // A good CSV trains; an imported config sets every control.
    let good = dir.path().join("three.csv");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/data/three_clusters.csv"),
        &good,
    )
    .unwrap();
    b.set_file_input("#csv-file", &good)
        .expect("the CSV is chosen");
    wait_ready(&mut b, "s.data.kind === 'csv'");
    assert_eq!(b.eval("window.mlp2d.state.csv.name").unwrap(), "three.csv");
    let imported = dir.path().join("mine.toml");
    std::fs::write(
        &imported,
        "name = \"mine\"\nseed = 5\n[data]\nkind = \"circles\"\nfactor = 0.3\n[model]\nhidden = [7, 7, 7]\nactivation = \"sigmoid\"\n[train]\nlearning_rate = 0.1\noptimizer = \"adamw\"\nweight_decay = 0.01\n",
    )
    .unwrap();
    b.set_file_input("#import-file", &imported)
        .expect("the config is chosen");
    wait_ready(
        &mut b,
        "s.data.kind === 'circles' && s.data.factor === 0.3 && s.model.hidden.join(',') === '7,7,7'
         && s.model.activation === 'sigmoid' && s.train.optimizer === 'adamw' && s.train.weight_decay === 0.01",
    );
    for (control, value) in [
        ("#activation", "sigmoid"),
        ("#optimizer", "adamw"),
        ("#weight-decay", "0.01"),
        ("#beta-2", "0.999"),
    ] {
        let got = b
            .eval(&format!("document.querySelector('{control}').value"))
            .unwrap();
        assert_eq!(got.as_str(), Some(value), "{control} after the import");
    }
    assert_eq!(
        shown_of(&mut b, &CHOICE_INPUTS),
        ["beta-1", "beta-2", "epsilon", "weight-decay"]
    );
    assert_eq!(
        b.eval("document.querySelectorAll('#layers .width').length")
            .unwrap(),
        serde_json::json!(3)
    );
    assert_eq!(
        b.eval("document.querySelector('#factor').value").unwrap(),
        "0.3"
    );
    assert_eq!(
        b.eval("document.querySelector('#lr').value").unwrap(),
        "0.1"
    );

    // A picture of a trained run: the moons of before (tanh, Adam), from the URL (with a query,
    // so that it is a new document, not a move within this one).
    // In f32 on burn-ndarray, where the twins round differently: the gate has work to show.
    let again = url
        .as_str()
        .unwrap()
        .replacen("/#", "/?again#", 1)
        .replace("precision=f64", "precision=f32")
        .replace("backend=flex", "backend=ndarray");
    b.call(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({"width": 1400, "height": 1120, "deviceScaleFactor": 1, "mobile": false}),
    )
    .expect("the window size");
    b.goto(&again).expect("the page loads");
    b.wait_for(
        "window.mlp2d?.state?.connected === true && !!window.mlp2d.state.ready",
        WAIT,
    )
    .expect("the page connects");
    wait_ready(
        &mut b,
        "s.data.kind === 'moons' && s.data.noise === 0.2 && s.compare.backend === 'ndarray'",
    );
    click(&mut b, "#play");
    b.wait_for("window.mlp2d.state.epoch >= 100", WAIT)
        .expect("100 epochs");
    click(&mut b, "#play");
    b.wait_for("window.mlp2d.state.lastFrame?.running === false", WAIT)
        .expect("paused");
    std::thread::sleep(Duration::from_millis(300));
    let png = b.screenshot_png().expect("a screenshot");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::write(root.join("target/playground.png"), &png).unwrap();
    if std::env::var_os("MLP2D_UPDATE_SCREENSHOT").is_some() {
        std::fs::write(root.join("results/playground.png"), &png).unwrap();
    }
    let errors = b.console_errors();
    assert!(errors.is_empty(), "the page's console: {errors:?}");
}

/// Skips (with a note) without Chromium, except under CI, where that is a failure.
fn chromium_or_skip(test: &str) -> bool {
    if Browser::find().is_some() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "no Chromium found: install the chromium package (.ci/run does)"
    );
    eprintln!("{test} skipped: no Chromium (install the chromium package)");
    false
}

/// Opens `url` and waits for its first run.
fn open(b: &mut Browser, url: &str) {
    b.goto(url).expect("the page loads");
    b.wait_for(
        "window.mlp2d?.state?.connected === true && !!window.mlp2d.state.ready",
        WAIT,
    )
    .unwrap_or_else(|e| panic!("{url}: no run: {e}"));
}

/// The settings keys the page shows as not applied, sorted.
fn problems(b: &mut Browser) -> Vec<String> {
    let v = b
        .eval("window.mlp2d.state.problems.map((p) => p.key).sort()")
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// The notice naming the settings not applied ("" when hidden).
fn notice(b: &mut Browser) -> String {
    let js = "document.querySelector('#settings-notice').hidden ? '' : document.querySelector('#settings-notice-text').textContent";
    b.eval(js).unwrap().as_str().unwrap().to_owned()
}

/// Whether control `id` is marked as not applied, and the message under it.
fn marked(b: &mut Browser, id: &str) -> (bool, String) {
    let js = format!(
        "(() => {{ const e = document.getElementById('{id}');
           const slot = '{id}' === 'layers' ? document.getElementById('layers-error') : e.closest('label').querySelector('.field-error');
           return [e.getAttribute('aria-invalid') === 'true', slot && !slot.hidden ? slot.textContent : ''];
        }})()"
    );
    let v = b.eval(&js).unwrap();
    (v[0].as_bool().unwrap(), v[1].as_str().unwrap().to_owned())
}

/// Whether the whole of `selector` is in the window, unscrolled.
fn in_view(b: &mut Browser, selector: &str) -> bool {
    let js = format!(
        "(() => {{ const r = document.querySelector({selector:?}).getBoundingClientRect();
           return scrollY === 0 && r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; }})()"
    );
    b.eval(&js).unwrap().as_bool().unwrap()
}

/// Pixels of canvas `selector` of a colour (`GREEN`, `RED`, `ORANGE`: a test on r, g, b that
/// anti-aliased edges pass too), in its rows from `rows.0` to `rows.1` (fractions of its
/// height, from the top).
fn pixels(b: &mut Browser, selector: &str, colour: &str, rows: (f64, f64)) -> u64 {
    let js = format!(
        "(() => {{ const c = document.querySelector({selector:?});
           const top = Math.floor(c.height * {}), bottom = Math.ceil(c.height * {});
           const d = c.getContext('2d').getImageData(0, top, c.width, bottom - top).data;
           let n = 0;
           for (let i = 0; i < d.length; i += 4) {{
             const r = d[i], g = d[i + 1], b = d[i + 2];
             if (d[i + 3] > 200 && ({colour})) n++;
           }}
           return n; }})()",
        rows.0, rows.1
    );
    b.eval(&js).unwrap().as_u64().unwrap()
}

/// The verdicts' colours as tests on a pixel: #1e7b34, #c62828 (or the limit's #d0342c), #c96a06.
const GREEN: &str = "g - r > 30 && g - b > 20";
const RED: &str = "r - g > 80 && r - b > 80 && Math.abs(g - b) < 40";
const ORANGE: &str = "r - g > 60 && g - b > 50";
const ALL: (f64, f64) = (0.0, 1.0);

/// Writes a screenshot to target/NAME, and to results/NAME with `MLP2D_UPDATE_SCREENSHOT=1`.
fn save_screenshot(b: &mut Browser, name: &str) {
    let png = b.screenshot_png().expect("a screenshot");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::write(root.join("target").join(name), &png).unwrap();
    if std::env::var_os("MLP2D_UPDATE_SCREENSHOT").is_some() {
        std::fs::write(root.join("results").join(name), &png).unwrap();
    }
}

#[test]
fn every_setting_the_page_cannot_run_is_named_and_the_url_holds_only_what_runs() {
    if !chromium_or_skip("the settings test") {
        return;
    }
    let server = Server::start(&[]);
    let mut b = Browser::launch().expect("Chromium starts");

    // A hand-edited link: what it holds that cannot run is named, at its control and in one
    // notice; the rest runs, with the defaults in place of the bad values.
    let link = "#kind=nosuch&hidden=abc&lr=xyz&batch=-5&activation=swish&noise=0.2";
    open(&mut b, &format!("{}{link}", server.url()));
    wait_ready(
        &mut b,
        "s.data.kind === 'moons' && s.data.noise === 0.2 && s.train.learning_rate === 0.03 && s.train.batch_size === 32",
    );
    b.wait_for("window.mlp2d.state.problems.length === 5", WAIT)
        .expect("five problems");
    assert_eq!(
        problems(&mut b),
        [
            "data.kind",
            "model.activation",
            "model.hidden",
            "train.batch_size",
            "train.learning_rate"
        ]
    );
    let said = notice(&mut b);
    for words in [
        "Which data set?",
        "Activation",
        "Hidden layers",
        "Batch size",
        "Learning rate",
        "kind=nosuch",
        "lr=xyz is not a number",
        "integer -5",
    ] {
        assert!(said.contains(words), "{words:?} in the notice: {said}");
    }
    for id in ["kind", "activation", "layers", "batch", "lr"] {
        assert!(marked(&mut b, id).0, "{id} is marked");
    }
    for (id, value) in [("kind", "moons"), ("activation", "relu"), ("lr", "0.03")] {
        let got = b
            .eval(&format!("document.getElementById('{id}').value"))
            .unwrap();
        assert_eq!(got, value, "{id} shows what runs");
    }
    assert_eq!(text(&mut b, "#status"), "connected");
    let hash = b.eval("location.hash").unwrap();
    let hash = hash.as_str().unwrap().to_owned();
    assert!(
        hash.contains("lr=0.03") && hash.contains("batch=32"),
        "{hash}"
    );
    assert!(!hash.contains("xyz") && !hash.contains("nosuch"), "{hash}");

    // An edit the server refuses: marked, named, and not applied; the run and Export go on with
    // what runs, and the URL keeps it.
    set(&mut b, "#lr", "-1");
    b.wait_for(
        "window.mlp2d.state.problems.some((p) => p.key === 'train.learning_rate' && /positive/.test(p.message))",
        WAIT,
    )
    .expect("the refusal is shown");
    assert_eq!(problems(&mut b), ["train.learning_rate"]);
    let (is_marked, message) = marked(&mut b, "lr");
    assert!(is_marked && message.contains("got -1"), "{message}");
    assert!(notice(&mut b).contains("the run goes on"));
    assert!(
        b.eval("location.hash")
            .unwrap()
            .as_str()
            .unwrap()
            .contains("lr=0.03")
    );
    assert_eq!(b.eval("document.getElementById('lr').value").unwrap(), "-1");
    click(&mut b, "#step");
    b.wait_for("window.mlp2d.state.step === 1", WAIT)
        .expect("the run goes on");
    let export = b.eval("window.mlp2d.exportRun()").expect("export");
    assert!(
        export["toml"]
            .as_str()
            .unwrap()
            .contains("learning_rate = 0.03"),
        "{export}"
    );

    // Two refused at once: both named.
    set(&mut b, "#batch", "0");
    b.wait_for("window.mlp2d.state.problems.length === 2", WAIT)
        .expect("two problems");
    assert_eq!(
        problems(&mut b),
        ["train.batch_size", "train.learning_rate"]
    );
    set(&mut b, "#batch", "32");

    // Empty, and not a number: each field says so; nothing is sent.
    b.type_text("#lr", "").unwrap();
    b.wait_for(
        "window.mlp2d.state.problems.some((p) => p.key === 'train.learning_rate' && p.message === 'empty')",
        WAIT,
    )
    .expect("an empty field says so");
    assert!(
        notice(&mut b).contains("Learning rate: empty"),
        "{}",
        notice(&mut b)
    );
    b.type_text("#seed", "1e").unwrap();
    b.wait_for(
        "window.mlp2d.state.problems.some((p) => p.key === 'seed' && p.message === 'not a number')",
        WAIT,
    )
    .expect("a field that is not a number says so");
    assert_eq!(marked(&mut b, "seed"), (true, "not a number".to_owned()));
    assert!(marked(&mut b, "lr").0, "the empty field stays marked");

    // Fixed: applied, the marks and the notice gone, the URL follows.
    b.type_text("#seed", "42").unwrap();
    b.type_text("#lr", "0.05").unwrap();
    wait_ready(&mut b, "s.train.learning_rate === 0.05 && s.seed === 42");
    b.wait_for("window.mlp2d.state.problems.length === 0", WAIT)
        .expect("no problem left");
    assert_eq!(notice(&mut b), "");
    assert!(!marked(&mut b, "lr").0);
    assert!(
        b.eval("location.hash")
            .unwrap()
            .as_str()
            .unwrap()
            .contains("lr=0.05")
    );

    // A link pasted into the open tab (only the part after # differs) is applied.
    let pasted = b
        .eval("location.href")
        .unwrap()
        .as_str()
        .unwrap()
        .replace("lr=0.05", "lr=0.2")
        .replace("noise=0.2", "noise=0.3");
    b.goto(&pasted).expect("the same document, another #");
    wait_ready(
        &mut b,
        "s.train.learning_rate === 0.2 && s.data.noise === 0.3",
    );
    assert_eq!(
        b.eval("document.getElementById('lr').value").unwrap(),
        "0.2"
    );
    assert_eq!(
        b.eval("document.getElementById('noise').value").unwrap(),
        "0.3"
    );
    // A pasted link with a bad value: named, the rest applied.
    let pasted = pasted
        .replace("lr=0.2", "lr=abc")
        .replace("noise=0.3", "noise=0.25");
    b.goto(&pasted).expect("another #");
    wait_ready(
        &mut b,
        "s.data.noise === 0.25 && s.train.learning_rate === 0.03",
    );
    assert_eq!(problems(&mut b), ["train.learning_rate"]);
    assert!(notice(&mut b).contains("lr=abc"), "{}", notice(&mut b));

    let errors = b.console_errors();
    assert!(errors.is_empty(), "the page's console: {errors:?}");
}

#[test]
fn the_verdict_exists_only_once_judged_and_export_repeats_any_step() {
    if !chromium_or_skip("the verdict test") {
        return;
    }
    let server = Server::start(&[]);
    let mut b = Browser::launch().expect("Chromium starts");
    b.set_viewport(1280, 800, false).unwrap();
    open(&mut b, &server.url());

    // Step 0: nothing judged, nothing to export.
    b.wait_for("window.mlp2d.state.lastFrame?.step === 0", WAIT)
        .expect("a first frame");
    assert_eq!(text(&mut b, "#verdict"), "—");
    assert_eq!(text(&mut b, "#worst-bit-identical"), "—");
    assert!(text(&mut b, "#verdict-text").contains("no step judged yet"));
    assert_eq!(
        b.eval("document.getElementById('export').disabled")
            .unwrap(),
        true
    );

    // Play, pause between two epoch ends (▶, not +1 epoch): the export stops where the page is.
    click(&mut b, "#play");
    b.wait_for("window.mlp2d.state.epoch >= 3", WAIT)
        .expect("3 epochs");
    click(&mut b, "#play");
    b.wait_for("window.mlp2d.state.lastFrame?.running === false", WAIT)
        .expect("paused");
    if b.eval("window.mlp2d.state.lastFrame.steps_in_epoch")
        .unwrap()
        == 0
    {
        click(&mut b, "#step");
        b.wait_for("window.mlp2d.state.lastFrame?.steps_in_epoch === 1", WAIT)
            .expect("one step into an epoch");
    }
    assert_eq!(text(&mut b, "#verdict"), "PASS");
    assert!(in_view(&mut b, "#verdict") && in_view(&mut b, "#verdict-text"));
    assert!(text(&mut b, "#verdict-text").contains("within the limit"));
    assert!(
        pixels(&mut b, "#agreement-chart", GREEN, ALL) > 20,
        "a green line"
    );
    let export = b.eval("window.mlp2d.exportRun()").expect("export");
    assert!(export["stop_at_step"].is_u64(), "mid-epoch: {export}");
    let _run = reproduced(&mut b, &export, 3);

    // A FAIL: its explanation beside the verdict, in the window; the err_bound line red.
    let fail = format!(
        "{}#kind=moons&activation=sigmoid&precision=f64&backend=ndarray",
        server.url()
    );
    open(&mut b, &fail);
    wait_ready(
        &mut b,
        "s.model.activation === 'sigmoid' && s.compare.backend === 'ndarray'",
    );
    assert_eq!(text(&mut b, "#verdict"), "—");
    click(&mut b, "#step");
    b.wait_for("window.mlp2d.state.verdict === 'FAIL'", WAIT)
        .expect("FAIL after one step");
    let why = text(&mut b, "#verdict-text");
    assert!(why.contains("ndarray-sigmoid-f32"), "{why}");
    for _ in 0..5 {
        click(&mut b, "#step");
    }
    b.wait_for("window.mlp2d.state.step === 6", WAIT)
        .expect("more steps");
    std::thread::sleep(Duration::from_millis(300));
    assert!(in_view(&mut b, "#verdict"), "the verdict at 1280×800");
    assert!(
        in_view(&mut b, "#verdict-text"),
        "its explanation at 1280×800"
    );
    assert_eq!(
        pixels(&mut b, "#agreement-chart", GREEN, ALL),
        0,
        "no green line"
    );
    // err_bound ~1e8 is drawn near the top, far above the dashed limit line (also red).
    assert!(
        pixels(&mut b, "#agreement-chart", RED, (0.0, 0.3)) > 20,
        "a red line"
    );
    assert!(!text(&mut b, "#curve-note").contains("on top of each other"));
    save_screenshot(&mut b, "playground-1280.png");
    b.set_viewport(1400, 1000, false).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        in_view(&mut b, "#verdict-text"),
        "its explanation at 1400×1000"
    );

    // A divergence: the readouts and the loss chart follow it; the hint fits the settings.
    let diverge = format!(
        "{}#kind=moons&hidden=128,128,128,128&init=normal&lr=0.01",
        server.url()
    );
    open(&mut b, &diverge);
    wait_ready(
        &mut b,
        "s.model.hidden.length === 4 && s.model.init === 'normal'",
    );
    click(&mut b, "#play");
    b.wait_for("window.mlp2d.state.verdict === 'DIVERGED'", WAIT)
        .expect("the run diverges");
    b.wait_for("window.mlp2d.state.running === false", WAIT)
        .expect("and stops");
    std::thread::sleep(Duration::from_millis(300));
    let why = text(&mut b, "#verdict-text");
    assert!(
        why.contains("diverged") && why.contains("init = \"he\""),
        "{why}"
    );
    assert_eq!(text(&mut b, "#loss-burn"), "diverged");
    assert_eq!(text(&mut b, "#loss-manual"), "diverged");
    // Before an epoch ended: the chart had nothing to draw but the point it started from.
    assert_eq!(b.eval("window.mlp2d.state.epochs.length").unwrap(), 0);
    assert!(
        pixels(&mut b, "#curves", ORANGE, ALL) > 10,
        "the divergence on the loss chart"
    );
    assert!(text(&mut b, "#boundary-caption").contains("before the run diverged"));
    assert!(text(&mut b, "#export-note").contains("diverged"));

    // 390 px: one column, nothing wider than the window; the network scrolls inside its panel.
    b.set_viewport(390, 844, true).unwrap();
    open(&mut b, &server.url());
    click(&mut b, "#step");
    b.wait_for("window.mlp2d.state.verdict === 'PASS'", WAIT)
        .expect("PASS");
    std::thread::sleep(Duration::from_millis(300));
    let widths = b
        .eval("[document.documentElement.scrollWidth, innerWidth, getComputedStyle(document.getElementById('network')).overflowX, document.getElementById('network').getBoundingClientRect().right]")
        .unwrap();
    assert!(
        widths[0].as_f64().unwrap() <= widths[1].as_f64().unwrap(),
        "page width {widths}"
    );
    assert_eq!(widths[2], "auto", "{widths}");
    assert!(widths[3].as_f64().unwrap() <= 390.0, "{widths}");
    assert!(in_view(&mut b, "#verdict"), "the verdict at 390 px");
    save_screenshot(&mut b, "playground-390.png");

    let errors = b.console_errors();
    assert!(errors.is_empty(), "the page's console: {errors:?}");
}
