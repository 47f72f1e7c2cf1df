//! `mlp2d serve` without a browser: a WebSocket client drives sessions as the page does.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::server::{Server, Session, small_moons};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(60);

/// The epochs a session's frames carried, up to `epochs`: each epoch's keys with their values'
/// text as the server wrote it (read exactly, see `Session::recv_text`).
fn train_epochs(s: &mut Session, epochs: usize) -> Vec<HashMap<String, String>> {
    let mut seen = Vec::new();
    for _ in 0..epochs {
        s.send(json!({"type": "epoch"}));
        let start = std::time::Instant::now();
        loop {
            assert!(start.elapsed() < WAIT, "no paused frame within {WAIT:?}");
            let text = s.recv_text();
            let m: Value = serde_json::from_str(&text).unwrap();
            if m["type"] == "frame" {
                seen.extend(epoch_texts(&text));
                if m["running"] == false {
                    break;
                }
            }
        }
    }
    seen
}

/// A frame's `epochs` entries, each a flat object of numbers or nulls, as key → value text.
fn epoch_texts(frame: &str) -> Vec<HashMap<String, String>> {
    let Some(start) = frame.find("\"epochs\":[") else {
        return Vec::new();
    };
    let rest = &frame[start + "\"epochs\":[".len()..];
    let list = &rest[..rest.find(']').expect("the epochs' end")];
    list.split('}')
        .filter_map(|o| o.trim_start_matches(',').strip_prefix('{'))
        .map(|o| {
            o.split(',')
                .map(|pair| {
                    let (k, v) = pair.split_once(':').expect("key:value");
                    (k.trim_matches('"').to_owned(), v.to_owned())
                })
                .collect()
        })
        .collect()
}

#[test]
fn a_session_trains_exactly_as_compare_does_on_its_export() {
    let server = Server::start(&[]);
    let mut s = server.session();
    let ready = s.configure(small_moons());
    assert_eq!(ready["sizes"], json!([2, 8, 8, 2]));
    assert_eq!(ready["err_bound_limit"], json!(4.0));
    assert_eq!(ready["signed_units"], false);
    compare_reproduces_the_session(&mut s, 3);
}

#[test]
fn activations_and_optimizers_export_what_compare_reproduces() {
    let server = Server::start(&[]);
    let mut s = server.session();
    let cases = [
        (
            json!({"hidden": [8, 8], "init": "normal", "activation": "tanh"}),
            json!({"batch_size": 16, "learning_rate": 0.01, "optimizer": "adam",
                   "beta_1": 0.85, "weight_decay": 0.001}),
            true,
        ),
        (
            json!({"hidden": [8, 8], "init": "he", "activation": "leaky_relu", "negative_slope": 0.1}),
            json!({"batch_size": 16, "learning_rate": 0.02, "optimizer": "sgd",
                   "momentum": 0.9, "dampening": 0.1, "nesterov": true}),
            true,
        ),
        (
            json!({"hidden": [6], "activation": "sigmoid"}),
            json!({"batch_size": 16, "learning_rate": 0.01, "optimizer": "adamw"}),
            false,
        ),
    ];
    for (model, train, signed) in cases {
        let mut settings = small_moons();
        settings["model"] = model.clone();
        settings["train"] = train.clone();
        let ready = s.configure(settings);
        assert_eq!(ready["signed_units"], signed, "{model}");
        let got = &ready["settings"];
        for (key, value) in model.as_object().unwrap() {
            assert_eq!(&got["model"][key], value, "{key} of {model}");
        }
        for (key, value) in train.as_object().unwrap() {
            assert_eq!(&got["train"][key], value, "{key} of {train}");
        }
        // The keys left out come back at their defaults, and only keys that apply come back.
        match train["optimizer"].as_str().unwrap() {
            "adam" => {
                assert_eq!(got["train"]["beta_2"], 0.999);
                assert_eq!(got["train"]["epsilon"], 1e-5);
                assert!(got["train"].get("momentum").is_none(), "{got}");
            }
            "adamw" => assert_eq!(got["train"]["weight_decay"], 1e-4),
            _ => {
                assert_eq!(got["train"]["weight_decay"], 0.0);
                assert!(got["train"].get("beta_1").is_none(), "{got}");
            }
        }
        let toml = ready["toml"].as_str().unwrap();
        assert!(
            toml.contains(&format!("activation = {}", model["activation"])),
            "{toml}"
        );
        assert!(
            toml.contains(&format!("optimizer = {}", train["optimizer"])),
            "{toml}"
        );
        let layers = ready["sizes"].as_array().unwrap().len() - 1;
        compare_reproduces_the_session(&mut s, layers);
    }
}

/// Two steps, the rest of that epoch and two more; the export's `compare` has the same metrics
/// every epoch and the same final burn parameters (all `layers` layers), bit for bit. Then five
/// steps into the next epoch: that export stops there (`stop_at_step`), and so does `compare`.
fn compare_reproduces_the_session(s: &mut Session, layers: usize) {
    s.send(json!({"type": "step"}));
    s.send(json!({"type": "step"}));
    let frames = s.until(WAIT, |m| m["type"] == "frame" && m["step"] == 2);
    assert_eq!(frames.last().unwrap()["epoch"], 0);
    let epochs = train_epochs(s, 3);
    let numbers: Vec<u64> = epochs.iter().map(|e| e["epoch"].parse().unwrap()).collect();
    assert_eq!(numbers, vec![1, 2, 3]);

    s.send(json!({"type": "export"}));
    let export = s.reply();
    assert_eq!(export["type"], "export", "{export}");
    assert_eq!(export["epochs"], 3);
    assert_eq!(export["stop_at_step"], Value::Null, "{export}");
    assert!(!export["toml"].as_str().unwrap().contains("stop_at_step"));
    compare_repeats(&export, &epochs, layers);

    let step = export["steps"].as_u64().unwrap();
    for _ in 0..5 {
        s.send(json!({"type": "step"}));
    }
    s.until(WAIT, |m| m["type"] == "frame" && m["step"] == step + 5);
    s.send(json!({"type": "export"}));
    let export = s.reply();
    assert_eq!(export["type"], "export", "{export}");
    assert_eq!(export["epochs"], 4, "{export}");
    assert_eq!(export["stop_at_step"], step + 5, "{export}");
    let toml = export["toml"].as_str().unwrap();
    assert!(
        toml.contains(&format!("stop_at_step = {}", step + 5)),
        "{toml}"
    );
    let summary = compare_repeats(&export, &epochs, layers);
    assert_eq!(summary["steps"], step + 5, "{summary}");
    assert_eq!(summary["stop_at_step"], step + 5, "{summary}");
}

/// `compare` on an export: the page's `epochs` as its metrics.csv, bit for bit, and its final
/// burn parameters the exported ones (all `layers` layers), bit for bit. Its summary.json.
fn compare_repeats(export: &Value, epochs: &[HashMap<String, String>], layers: usize) -> Value {
    let (_dir, out, rows) = common::server::compare_export(export["toml"].as_str().unwrap());
    assert_eq!(rows.len(), epochs.len());
    for (row, e) in rows.iter().zip(epochs) {
        for key in [
            "loss_manual",
            "loss_burn",
            "train_acc_burn",
            "test_acc_manual",
        ] {
            let from_compare: f64 = row[key].parse().unwrap();
            let shown: f64 = e[key].parse().unwrap();
            assert_eq!(
                from_compare.to_bits(),
                shown.to_bits(),
                "{key} at epoch {}: {from_compare} against {shown}",
                e["epoch"]
            );
        }
    }
    use base64::Engine;
    let exported = base64::engine::general_purpose::STANDARD
        .decode(export["safetensors"].as_str().unwrap())
        .unwrap();
    let final_burn = std::fs::read(out.join("final_burn.safetensors")).unwrap();
    for name in (0..layers).flat_map(|i| [format!("layers.{i}.weight"), format!("layers.{i}.bias")])
    {
        assert_eq!(
            mlp2d::params::read_tensor(&exported, &name).unwrap(),
            mlp2d::params::read_tensor(&final_burn, &name).unwrap(),
            "{name}"
        );
    }
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn no_verdict_before_the_first_step_and_no_export_at_step_0() {
    let server = Server::start(&[]);
    let mut s = server.session();
    s.configure(small_moons());
    let f = s.until(WAIT, |m| m["type"] == "frame");
    let f = f.last().unwrap();
    assert_eq!(f["step"], 0);
    assert_eq!(f["verdict"], Value::Null, "{f}");
    assert_eq!(f["worst"], Value::Null, "{f}");
    assert_eq!(f["last"], Value::Null, "{f}");
    s.send(json!({"type": "export"}));
    let e = s.reply();
    assert_eq!(e["type"], "error", "{e}");
    assert_eq!(e["reply_to"], "export", "{e}");
    assert!(e["message"].as_str().unwrap().contains("step 0"), "{e}");
    s.send(json!({"type": "step"}));
    let f = s.until(WAIT, |m| m["type"] == "frame" && m["step"] == 1);
    let f = f.last().unwrap();
    assert_eq!(f["verdict"], "PASS");
    assert_eq!(f["worst"]["bit_identical"], true, "{f}");
}

#[test]
fn a_refused_configure_names_every_bad_key_and_the_run_goes_on() {
    let server = Server::start(&[]);
    let mut s = server.session();
    s.configure(small_moons());
    let mut bad = small_moons();
    bad["train"]["learning_rate"] = json!(-1);
    bad["train"]["batch_size"] = json!(-5);
    bad["data"]["noise"] = json!(-0.1);
    s.send(json!({"type": "configure", "settings": bad}));
    let e = s.reply();
    assert_eq!(e["type"], "error", "{e}");
    assert_eq!(e["reply_to"], "configure", "{e}");
    let mut keys: Vec<&str> = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        ["data.noise", "train.batch_size", "train.learning_rate"],
        "{e}"
    );
    let lr = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "train.learning_rate")
        .unwrap();
    assert_eq!(
        lr["message"],
        "[train] learning_rate must be a positive finite number, got -1"
    );
    // The old run goes on, and exports its own settings.
    s.send(json!({"type": "step"}));
    s.until(WAIT, |m| m["type"] == "frame" && m["step"] == 1);
    s.send(json!({"type": "export"}));
    let export = s.reply();
    assert!(
        export["toml"]
            .as_str()
            .unwrap()
            .contains("learning_rate = 0.05"),
        "{export}"
    );
    // The page may not set how long compare trains.
    let mut long = small_moons();
    long["train"]["stop_at_step"] = json!(3);
    s.send(json!({"type": "configure", "settings": long}));
    let e = s.reply();
    assert!(
        e["message"].as_str().unwrap().contains("stop_at_step"),
        "{e}"
    );
}

#[test]
fn play_runs_until_pause_and_reset_starts_over() {
    let server = Server::start(&[]);
    let mut s = server.session();
    s.configure(small_moons());
    s.send(json!({"type": "play"}));
    let frames = s.until(WAIT, |m| {
        m["type"] == "frame" && m["epoch"].as_u64() >= Some(20)
    });
    let last = frames.last().unwrap();
    assert_eq!(last["running"], true);
    assert_eq!(last["verdict"], "PASS");
    assert!(last["steps_per_second"].as_f64().unwrap() > 0.0);
    assert_eq!(last["boundary"]["n"], 64);
    assert!(last["neurons"].as_array().unwrap().len() == 16);
    s.send(json!({"type": "pause"}));
    s.until(WAIT, |m| m["type"] == "frame" && m["running"] == false);
    s.send(json!({"type": "reset"}));
    assert_eq!(s.reply()["type"], "ready");
    let f = s.until(WAIT, |m| m["type"] == "frame");
    assert_eq!(f.last().unwrap()["step"], 0);
}

#[test]
fn bad_messages_and_settings_get_errors_and_the_session_goes_on() {
    let server = Server::start(&[]);
    let mut s = server.session();
    s.send(json!({"type": "step"}));
    let e = s.reply();
    assert_eq!(e["type"], "error");
    assert!(e["message"].as_str().unwrap().contains("nothing to train"));
    s.configure(small_moons());
    let cases: Vec<(Value, &str)> = vec![
        (json!("not an object"), "bad message"),
        (json!({"type": "launch"}), "unknown variant `launch`"),
        (json!({"type": "configure"}), "missing field `settings`"),
        (
            json!({"type": "configure", "settings": {"data": {"kind": "moons", "test_fraction": 1.5}}}),
            "[data] test_fraction must be in [0, 1), got 1.5",
        ),
        (
            json!({"type": "configure", "settings": {"data": {"kind": "moons", "nosie": 0.1}}}),
            "did you mean `noise`?",
        ),
        (
            json!({"type": "configure", "settings": {"data": {"kind": "moons"}, "model": {"hidden": [0]}}}),
            "hidden[0] is 0",
        ),
        (
            json!({"type": "configure", "settings": {"data": {"kind": "moons"}, "model": {"hidden": [600]}}}),
            "at most 512 units",
        ),
        (
            json!({"type": "configure", "settings": {"data": {"kind": "moons"}, "train": {"optimizer": "sgd", "alpha": 0.9}}}),
            "[train] alpha applies to optimizer = \"rmsprop\" only (optimizer is \"sgd\")",
        ),
        (
            json!({"type": "configure", "settings": {"data": {"kind": "moons"}, "model": {"activation": "tanh", "negative_slope": 0.1}}}),
            "[model] negative_slope applies to activation = \"leaky_relu\" only",
        ),
        (
            json!({"type": "configure", "settings": {"data": {"kind": "moons", "samples": 5000000}}}),
            "at most 100000",
        ),
        (
            json!({"type": "configure", "settings": {"data": {"kind": "csv", "path": "/etc/passwd"}}}),
            "never opens a file",
        ),
        (
            json!({"type": "import", "toml": "name = \"x\"\n[data]\nkind = \"csv\"\npath = \"/etc/passwd\"\n"}),
            "never opens a server's file",
        ),
        (
            json!({"type": "csv", "name": "bad.csv", "text": "x1,x2,label\n1,2,a\n3\n"}),
            "bad.csv",
        ),
    ];
    for (message, expected) in cases {
        match &message {
            Value::String(t) => s.send_text(t),
            m => s.send(m.clone()),
        }
        let e = s.reply();
        assert_eq!(e["type"], "error", "{message} → {e}");
        let text = e["message"].as_str().unwrap();
        assert!(text.contains(expected), "{message} → {text}");
        assert!(!text.contains('\n'), "one line: {text}");
        assert!(!text.contains("root:"), "no server file echoed: {text}");
    }
    // Still the old run, and it still trains.
    s.send(json!({"type": "step"}));
    let f = s.until(WAIT, |m| m["type"] == "frame" && m["step"] == 1);
    assert_eq!(f.last().unwrap()["verdict"], "PASS");
}

#[test]
fn an_uploaded_csv_and_an_imported_config_train() {
    let server = Server::start(&[]);
    let mut s = server.session();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/data/three_clusters.csv"),
    )
    .unwrap();
    s.send(json!({"type": "csv", "name": "mine.csv", "text": text}));
    let reply = s.reply();
    assert_eq!(reply["type"], "csv", "{reply}");
    let classes = reply["classes"].as_u64().unwrap();
    let ready = s.configure(json!({"data": {"kind": "csv"}, "model": {"hidden": [8]}}));
    assert_eq!(ready["classes"].as_u64().unwrap(), classes);
    assert!(
        ready["toml"]
            .as_str()
            .unwrap()
            .contains("path = \"mine.csv\"")
    );
    s.send(json!({"type": "epoch"}));
    s.until(WAIT, |m| m["type"] == "frame" && m["epoch"] == 1);

    let toml = "name = \"mine\"\nseed = 3\n[data]\nkind = \"spiral\"\nclasses = 4\nsamples = 400\n[model]\nhidden = [12]\n";
    s.send(json!({"type": "import", "toml": toml}));
    let ready = s.reply();
    assert_eq!(ready["type"], "ready", "{ready}");
    assert_eq!(ready["settings"]["data"]["classes"], 4);
    assert_eq!(
        ready["settings"]["data"]["noise"], 0.2,
        "defaults written out"
    );
    assert_eq!(ready["sizes"], json!([2, 12, 4]));
}

#[test]
fn only_the_pages_own_origin_and_host_are_served() {
    let server = Server::start(&[]);
    let (status, body) = server.get("/", &server.host);
    assert_eq!(status, 200);
    assert!(
        body.contains("<html") || body.contains("<!DOCTYPE"),
        "{body}"
    );
    for path in ["/main.js", "/heatmap.js", "/palette.js", "/style.css"] {
        assert_eq!(server.get(path, &server.host).0, 200, "{path}");
    }
    for path in [
        "/../Cargo.toml",
        "/src/main.rs",
        "/etc/passwd",
        "/app.js",
        "/assets/main.js",
    ] {
        let (status, body) = server.get(path, &server.host);
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains("[package]") && !body.contains("root:"));
    }
    // DNS rebinding: another site's name pointing at 127.0.0.1.
    assert_eq!(server.get("/", "evil.example:80").0, 403);
    let port = server.host.rsplit(':').next().unwrap();
    assert_eq!(server.get("/", &format!("localhost:{port}")).0, 200);

    for origin in ["http://evil.example", "null", "https://127.0.0.1"] {
        match server.connect(origin) {
            Err(tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 403, "{origin}")
            }
            Err(e) => panic!("{origin}: {e}"),
            Ok(_) => panic!("{origin}: the WebSocket opened"),
        }
    }
}

/// What a served file refers to: the `src` and `href` attributes of HTML, the `from "…"` and
/// `import "…"` specifiers of a module (data: URLs left out).
fn references(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for marker in [
        "src=\"",
        "href=\"",
        "from \"",
        "from '",
        "import \"",
        "import '",
    ] {
        let quote = &marker[marker.len() - 1..];
        for (at, _) in body.match_indices(marker) {
            let rest = &body[at + marker.len()..];
            let target = &rest[..rest.find(quote).expect("a closing quote")];
            if !target.starts_with("data:") {
                out.push(target);
            }
        }
    }
    out
}

#[test]
fn every_asset_is_served_as_what_it_is_and_every_reference_is_served() {
    let server = Server::start(&[]);
    let paths: Vec<&str> = mlp2d::serve::assets::paths().collect();
    for path in &paths {
        let (status, headers, body) = server.get_with_headers(path, &server.host);
        assert_eq!(status, 200, "{path}");
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{path}: no {name}"))
        };
        let expected = match path.rsplit_once('.').map(|(_, ext)| ext) {
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            _ => "text/html; charset=utf-8",
        };
        assert_eq!(header("content-type"), expected, "{path}");
        assert_eq!(header("cache-control"), "no-cache", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        for target in references(&body) {
            // A bare name ("heatmap.js") is no module specifier a browser resolves.
            if path.ends_with(".js") {
                assert!(target.starts_with("./"), "{path} imports {target:?}");
            }
            let served = format!("/{}", target.trim_start_matches("./"));
            assert!(
                paths.contains(&served.as_str()),
                "{path} refers to {target}, which is not served"
            );
        }
    }
    // The page loads its modules: index.html names main.js as one.
    let (_, index) = server.get("/", &server.host);
    assert!(index.contains("<script type=\"module\" src=\"main.js\">"));
}

#[test]
fn eight_sessions_at_once_all_progress() {
    let server = Server::start(&[]);
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let mut s = server.session();
            std::thread::spawn(move || {
                let mut settings = small_moons();
                settings["seed"] = json!(i);
                s.configure(settings);
                s.send(json!({"type": "play"}));
                let frames = s.until(WAIT, |m| {
                    m["type"] == "frame" && m["step"].as_u64().unwrap_or(0) >= 500
                });
                let f = frames.last().unwrap().clone();
                s.send(json!({"type": "pause"}));
                f
            })
        })
        .collect();
    for h in handles {
        let f = h.join().expect("the session thread");
        assert!(f["step"].as_u64().unwrap() >= 500);
        assert_eq!(f["verdict"], "PASS");
    }
}

#[test]
fn sessions_past_the_cap_and_idle_ones_are_closed_with_a_message() {
    let server = Server::start(&["--max-sessions", "2", "--idle-timeout", "2"]);
    let mut a = server.session();
    let _b = server.session();
    let (_, first) = server
        .connect(&format!("http://{}", server.host))
        .expect("the upgrade itself succeeds");
    assert_eq!(first["type"], "closed");
    assert!(first["message"].as_str().unwrap().contains("2 sessions"));

    // After the idle time a session is closed, which makes room again.
    let closed = a.reply();
    assert_eq!(closed["type"], "closed", "{closed}");
    assert!(
        closed["message"]
            .as_str()
            .unwrap()
            .contains("without input")
    );
    drop(a);
    std::thread::sleep(Duration::from_millis(300));
    let mut c = server.session();
    c.configure(small_moons());
}

#[test]
fn ctrl_c_stops_the_server_and_tells_the_pages() {
    let mut server = Server::start(&[]);
    let mut s = server.session();
    s.configure(small_moons());
    s.send(json!({"type": "play"}));
    s.until(WAIT, |m| {
        m["type"] == "frame" && m["step"].as_u64() > Some(100)
    });
    let killed = std::process::Command::new("kill")
        .args(["-INT", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let closed = s.until(WAIT, |m| m["type"] == "closed");
    assert!(
        closed.last().unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("stopping")
    );
    let status = server
        .wait(Duration::from_secs(10))
        .expect("the server stops");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_busy_port_is_one_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, stdout, stderr) = common::run(&["serve".as_ref(), "--port".as_ref(), port.as_ref()]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(
        stderr.starts_with("error: cannot listen on 127.0.0.1:"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn every_kind_precision_backend_and_init_trains_a_step() {
    let server = Server::start(&[]);
    let mut s = server.session();
    let kinds = [
        json!({"kind": "moons", "samples": 200, "noise": 0.2}),
        json!({"kind": "circles", "samples": 200, "factor": 0.4}),
        json!({"kind": "blobs", "samples": 200, "centers": 4, "cluster_std": 0.5}),
        json!({"kind": "grid", "samples": 300, "rows": 3, "cols": 3, "classes": 3, "layout": "checkerboard"}),
        json!({"kind": "spiral", "samples": 300, "classes": 5}),
        json!({"kind": "xor", "samples": 200, "noise": 0.1}),
        json!({"kind": "gaussian_quantiles", "samples": 300, "classes": 4}),
        json!({"kind": "iris", "test_fraction": 0.3}),
    ];
    let combos = [
        ("f64", "flex", "normal"),
        ("f32", "ndarray", "he"),
        ("f32", "flex", "normal"),
        ("f64", "ndarray", "he"),
    ];
    for (i, data) in kinds.iter().enumerate() {
        let (precision, backend, init) = combos[i % combos.len()];
        let settings = json!({
            "seed": i,
            "data": data,
            "model": {"hidden": [6, 5], "init": init},
            "train": {"batch_size": 20, "learning_rate": 0.02},
            "compare": {"precision": precision, "backend": backend},
        });
        let ready = s.configure(settings);
        let got = &ready["settings"];
        assert_eq!(got["data"]["kind"], data["kind"]);
        for (key, value) in data.as_object().unwrap() {
            assert_eq!(&got["data"][key], value, "{key} of {data}");
        }
        assert_eq!(got["compare"]["precision"], precision);
        assert_eq!(got["compare"]["backend"], backend);
        assert_eq!(got["model"]["init"], init);
        let classes = ready["classes"].as_u64().unwrap();
        assert_eq!(
            ready["sizes"].as_array().unwrap().last().unwrap().as_u64(),
            Some(classes)
        );
        if data["kind"] == "iris" {
            assert_eq!(ready["sizes"][0], 4);
            assert!(
                ready["plane"]["x_label"]
                    .as_str()
                    .unwrap()
                    .contains("principal")
            );
        }
        s.send(json!({"type": "epoch"}));
        let frames = s.until(WAIT, |m| {
            m["type"] == "frame" && m["epoch"] == 1 && m["running"] == false
        });
        let f = frames.last().unwrap();
        assert_eq!(
            f["verdict"], "PASS",
            "{data} {precision} {backend}: {}",
            f["message"]
        );
        let n = f["boundary"]["n"].as_u64().unwrap() as usize;
        use base64::Engine;
        let class = base64::engine::general_purpose::STANDARD
            .decode(f["boundary"]["class"].as_str().unwrap())
            .unwrap();
        assert_eq!(class.len(), n * n);
        assert!(class.iter().all(|&c| (c as u64) < classes));
    }
}

#[test]
fn a_diverged_run_stops_shows_why_and_keeps_its_last_picture() {
    let server = Server::start(&[]);
    let mut s = server.session();
    // N(0, 1) weights four layers deep: the loss explodes within a few steps.
    s.configure(json!({
        "data": {"kind": "moons", "samples": 1000},
        "model": {"hidden": [128, 128, 128, 128], "init": "normal"},
        "train": {"batch_size": 32, "learning_rate": 0.01},
    }));
    s.send(json!({"type": "play"}));
    let frames = s.until(WAIT, |m| m["type"] == "frame" && m["verdict"] == "DIVERGED");
    let f = frames.last().unwrap();
    let message = f["message"].as_str().unwrap().to_owned();
    assert!(message.contains("diverged"), "{message}");
    assert!(message.ends_with("or init = \"he\""), "{message}");
    // Where it went, for the page's readouts and its loss chart.
    let at = &f["diverged"];
    assert_eq!(at["step"], f["step"], "{f}");
    assert!(
        message.contains(&format!("step {}", at["step"])),
        "{message} {at}"
    );
    // The export repeats it: compare diverges at the same step, with the same message.
    s.send(json!({"type": "export"}));
    let export = s.reply();
    assert_eq!(export["type"], "export", "{export}");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("playground.toml");
    std::fs::write(&config, export["toml"].as_str().unwrap()).unwrap();
    let out = dir.path().join("run");
    let (code, _, stderr) = common::run(&[
        "compare".as_ref(),
        "--quiet".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&message), "{stderr}\nagainst {message}");
    assert_eq!(
        f["boundary"]["differ_count"], 0,
        "the picture before the blow-up"
    );
    let f = s.until(WAIT, |m| m["type"] == "frame" && m["running"] == false);
    let step = f.last().unwrap()["step"].clone();
    s.send(json!({"type": "step"}));
    let e = s.reply();
    assert_eq!(e["type"], "error");
    assert!(e["message"].as_str().unwrap().contains("stopped"));
    s.send(json!({"type": "reset"}));
    assert_eq!(s.reply()["type"], "ready");
    s.send(json!({"type": "step"}));
    let f = s.until(WAIT, |m| m["type"] == "frame" && m["step"] == 1);
    assert_ne!(f.last().unwrap()["step"], step);
}

#[test]
fn a_divergence_hint_fits_the_run() {
    let server = Server::start(&[]);
    let mut s = server.session();
    // He weights already: the hint says only what the run can still change.
    s.configure(json!({
        "data": {"kind": "moons", "samples": 400},
        "model": {"hidden": [16, 16], "init": "he"},
        "train": {"batch_size": 32, "learning_rate": 1000.0},
    }));
    s.send(json!({"type": "play"}));
    let frames = s.until(WAIT, |m| m["type"] == "frame" && m["verdict"] == "DIVERGED");
    let message = frames.last().unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.ends_with("try a smaller learning_rate"),
        "{message}"
    );
    assert!(!message.contains("init"), "{message}");
}

/// The `name=value` a response's `Set-Cookie` sets, and the whole header line.
fn set_cookie(head: &str) -> Option<(String, String)> {
    let line = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))?;
    let pair = line["set-cookie:".len()..].split(';').next()?.trim();
    Some((pair.to_owned(), line.to_owned()))
}

fn refused(result: Result<(Session, Value), tungstenite::Error>, what: &str) {
    match result {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403, "{what}"),
        Err(e) => panic!("{what}: {e}"),
        Ok(_) => panic!("{what}: the WebSocket opened"),
    }
}

#[test]
fn off_loopback_it_warns_and_wants_the_token_of_its_url() {
    // 0.0.0.0 with port 0; the test only ever connects to 127.0.0.1.
    let server = Server::start_with(&["--host", "0.0.0.0"], &[]);
    let warning = server
        .stderr_until(WAIT, |l| l.contains("--allow-host"))
        .join("\n");
    for what in [
        "warning: listening on 0.0.0.0:",
        "not on loopback",
        "CPU",
        "up to 16 sessions",
        "CSV files of up to 10 MB",
        "token",
        "plain HTTP",
    ] {
        assert!(warning.contains(what), "{what:?} in {warning}");
    }
    let token = server.token.clone().expect("the printed URL has a token");
    assert_eq!(token.len(), 32, "128 bits in hex: {token}");
    let host = server.host.clone();
    let origin = format!("http://{host}");

    let wrong = "0".repeat(32);
    let wrong_cookie = format!("mlp2d_token_{}={wrong}", server.port());
    for (path, cookie) in [
        ("/", None),
        ("/main.js", None),
        ("/style.css", None),
        ("/?token=", None),
        (&format!("/?token={wrong}") as &str, None),
        (&format!("/?token={}", &token[..31]), None),
        ("/", Some(wrong_cookie.as_str())),
        ("/main.js", Some(wrong_cookie.as_str())),
    ] {
        let (status, head, body) = server.request(path, &host, cookie);
        assert_eq!(status, 403, "{path} {cookie:?}");
        assert!(!body.contains("<html") && set_cookie(&head).is_none());
    }
    refused(server.upgrade(&host, &origin, None), "no cookie");
    refused(
        server.upgrade(&host, &origin, Some(&wrong_cookie)),
        "a wrong cookie",
    );

    // The printed URL: the page, and a cookie that carries the token from then on.
    let (status, head, body) = server.request(&format!("/?token={token}"), &host, None);
    assert_eq!(status, 200);
    assert!(body.contains("<html") || body.contains("<!DOCTYPE"));
    let (cookie, line) = set_cookie(&head).expect("the token's cookie is set");
    assert_eq!(cookie, format!("mlp2d_token_{}={token}", server.port()));
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(line.contains(attribute), "{line}");
    }
    for path in ["/", "/main.js", "/style.css"] {
        let (status, head, _) = server.request(path, &host, Some(&cookie));
        assert_eq!(status, 200, "{path}");
        assert!(set_cookie(&head).is_none(), "set once, by the URL");
    }
    let (mut s, hello) = server
        .upgrade(&host, &origin, Some(&format!("other=1; {cookie}")))
        .expect("the page's WebSocket opens");
    assert_eq!(hello["type"], "hello", "{hello}");
    s.configure(small_moons());
    s.send(json!({"type": "step"}));
    s.until(WAIT, |m| m["type"] == "frame" && m["step"] == 1);
}

#[test]
fn off_loopback_a_rebound_name_is_refused_even_with_the_token() {
    let server = Server::start(&["--host", "0.0.0.0"]);
    let token = server.token.clone().expect("a token");
    let port = server.port();
    let cookie = format!("mlp2d_token_{port}={token}");
    // DNS rebinding: evil.example's page, its name now pointing at this machine.
    let evil = format!("evil.example:{port}");
    assert_eq!(
        server.request(&format!("/?token={token}"), &evil, None).0,
        403
    );
    assert_eq!(server.request("/", &evil, Some(&cookie)).0, 403);
    refused(
        server.upgrade(&evil, &format!("http://{evil}"), None),
        "rebound",
    );
    refused(
        server.upgrade(&evil, &format!("http://{evil}"), Some(&cookie)),
        "rebound, with the cookie",
    );
    // The server's own names.
    let mut own = vec![format!("localhost:{port}"), server.host.clone()];
    if let Ok(name) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        own.push(format!("{}:{port}", name.trim()));
    }
    for host in &own {
        assert_eq!(server.request("/", host, Some(&cookie)).0, 200, "{host}");
    }
    // The Origin must still be the page's own.
    refused(
        server.upgrade(&server.host, "http://evil.example", Some(&cookie)),
        "another origin",
    );
}

#[test]
fn allow_host_adds_names_with_or_without_a_port() {
    let server = Server::start(&[
        "--host",
        "0.0.0.0",
        "--allow-host",
        "Playground.test",
        "--allow-host",
        "other.test:81",
    ]);
    let token = server.token.clone().expect("a token");
    let port = server.port();
    let cookie = format!("mlp2d_token_{port}={token}");
    for (host, status) in [
        (format!("playground.test:{port}"), 200),
        (format!("PLAYGROUND.TEST:{port}"), 200),
        ("other.test:81".to_owned(), 200),
        (format!("other.test:{port}"), 403),
        ("playground.test:81".to_owned(), 403),
        ("playground.test".to_owned(), 403),
    ] {
        assert_eq!(
            server.request("/", &host, Some(&cookie)).0,
            status,
            "{host}"
        );
    }
    let name = format!("playground.test:{port}");
    let (_s, hello) = server
        .upgrade(&name, &format!("http://{name}"), Some(&cookie))
        .expect("an allowed name's page opens its WebSocket");
    assert_eq!(hello["type"], "hello");

    // On loopback too, without a token.
    let server = Server::start(&["--allow-host", "playground.test"]);
    assert_eq!(server.token, None);
    let name = format!("playground.test:{}", server.port());
    assert_eq!(server.get("/", &name).0, 200);
    assert_eq!(
        server.get("/", &format!("evil.test:{}", server.port())).0,
        403
    );
}

#[test]
fn host_takes_a_name() {
    let server = Server::start(&["--host", "localhost"]);
    assert!(server.host.starts_with("localhost:"), "{}", server.host);
    assert_eq!(server.token, None, "loopback: no token");
    let mut s = server.session();
    s.configure(small_moons());
    let evil = format!("evil.example:{}", server.port());
    assert_eq!(server.get("/", &evil).0, 403);
}

#[test]
fn bad_hosts_are_one_clear_error() {
    for (host, expected) in [
        (
            "no-such-host.invalid",
            "error: cannot resolve --host \"no-such-host.invalid\": ",
        ),
        (
            "localhost:80",
            "error: --host \"localhost:80\" is neither an IP address nor a host name",
        ),
    ] {
        let args = ["serve", "--port", "0", "--host", host];
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
        let (code, stdout, stderr) = common::run(&args);
        assert_eq!(code, Some(2), "{host}: {stdout}{stderr}");
        assert!(stderr.starts_with(expected), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
    }
    let args = ["serve", "--port", "0", "--allow-host", "a:b"];
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    let (code, _, stderr) = common::run(&args);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("NAME or NAME:PORT"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn open_without_a_browser_says_so_and_serves() {
    let empty = tempfile::tempdir().expect("a temporary folder");
    let server = Server::start_with(&["--open"], &[("PATH", empty.path().as_os_str())]);
    let lines = server.stderr_until(WAIT, |l| l.contains("could not open a browser"));
    let line = lines.last().unwrap();
    assert!(
        line.contains(&server.url()) && line.contains("by hand"),
        "{line}"
    );
    let mut s = server.session();
    s.configure(small_moons());
}
