//! The headless-Chromium driver (tests/common/browser.rs) on a tiny page of its own: clicks,
//! typing, file inputs, canvas pixels, window sizes, reloads, screenshots and the console-error
//! record all work.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::browser::Browser;

const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>driver test</title></head>
<body>
<button id="b" onclick="this.textContent = 'clicked'">click me</button>
<input type="file" id="f">
<input type="number" id="n" value="3">
<div id="out"></div>
<canvas id="c" width="40" height="20"></canvas>
<script>
  const ctx = document.getElementById('c').getContext('2d');
  ctx.fillStyle = '#ff0000'; ctx.fillRect(0, 0, 20, 20);
  ctx.fillStyle = '#0000ff'; ctx.fillRect(20, 0, 20, 20);
  document.getElementById('f').addEventListener('change', async (e) => {
    document.getElementById('out').textContent = await e.target.files[0].text();
  });
  sessionStorage.loads = Number(sessionStorage.loads || 0) + 1;
</script>
</body></html>
"#;

const WAIT: Duration = Duration::from_secs(10);

/// Serves `PAGE` at `/` (404 elsewhere) on a loopback port, one thread per connection (Chromium
/// may open a connection it never sends on); at most 100 connections.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming().take(100).flatten() {
            thread::spawn(move || respond(stream));
        }
    });
    format!("http://{addr}/")
}

fn respond(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let (mut request, mut buf) = (Vec::new(), [0u8; 1024]);
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65536 {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
    }
    let request = String::from_utf8_lossy(&request);
    let (status, body) = match request.split_whitespace().nth(1) {
        Some("/") => ("200 OK", PAGE),
        _ => ("404 Not Found", "not found"),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn drives_a_page() {
    if Browser::find().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "no Chromium found: install the chromium package (.ci/run does)"
        );
        eprintln!("note: no Chromium found, browser_driver skipped (install chromium)");
        return;
    }
    let url = serve();
    let started = Instant::now();
    let mut b = Browser::launch().expect("Chromium starts");
    eprintln!("launch: {:?}", started.elapsed());
    b.goto(&url).unwrap();
    eprintln!("launch + first page: {:?}", started.elapsed());
    assert_eq!(b.eval("document.title").unwrap(), "driver test");
    // --window-size is the window's: headless Chromium keeps room for a toolbar, so the page
    // gets the full width but less than the full height.
    let viewport = b.eval("[innerWidth, innerHeight]").unwrap();
    eprintln!("viewport: {viewport}");
    assert_eq!(viewport[0], 1400);

    // A click, then the text it sets.
    b.eval("document.getElementById('b').click()").unwrap();
    let text = "document.getElementById('b').textContent === 'clicked'";
    assert_eq!(b.wait_for(text, WAIT).unwrap(), true);

    // A file chosen for the input is read by the page's change handler.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "x,y,label\n0.5,-1,1\n").unwrap();
    b.set_file_input("#f", file.path()).unwrap();
    let shown = b
        .wait_for("document.getElementById('out').textContent", WAIT)
        .unwrap();
    assert_eq!(shown, "x,y,label\n0.5,-1,1\n");
    assert!(b.set_file_input("#missing", file.path()).is_err());

    // The canvas holds its two colours.
    let colours = b
        .eval(
            "const d = document.getElementById('c').getContext('2d').getImageData(0, 0, 40, 20).data;
             const seen = new Set();
             for (let i = 0; i < d.length; i += 4) seen.add([d[i], d[i + 1], d[i + 2], d[i + 3]].join(','));
             [...seen].sort()",
        )
        .unwrap();
    assert_eq!(colours, serde_json::json!(["0,0,255,255", "255,0,0,255"]));

    // Typing, as a keyboard does: a number input keeps text it cannot parse as bad input.
    b.type_text("#n", "12.5").unwrap();
    assert_eq!(
        b.eval("document.getElementById('n').value").unwrap(),
        "12.5"
    );
    b.type_text("#n", "1e").unwrap();
    assert_eq!(
        b.eval(
            "[document.getElementById('n').value, document.getElementById('n').validity.badInput]"
        )
        .unwrap(),
        serde_json::json!(["", true])
    );

    // Another window size (a phone's would lay this page, which sets no viewport, out at 980).
    b.set_viewport(390, 844, false).unwrap();
    assert_eq!(b.eval("innerWidth").unwrap(), 390);
    b.set_viewport(1400, 1000, false).unwrap();

    // A reload runs the page again (the session counter) and resets it (the button).
    b.reload().unwrap();
    assert_eq!(b.eval("sessionStorage.loads").unwrap(), "2");
    assert_eq!(
        b.eval("document.getElementById('b').textContent").unwrap(),
        "click me"
    );

    let png = b.screenshot_png().unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    eprintln!("screenshot: {} bytes, {}x{}", png.len(), size(16), size(20));

    // Errors: thrown by eval, timed out by wait_for, recorded from the console.
    let err = b.eval("throw new Error('nope')").unwrap_err().to_string();
    assert!(err.contains("Error: nope"), "{err}");
    let err = b
        .wait_for("1 === 2", Duration::from_millis(300))
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 === 2"), "{err}");
    assert!(b.console_errors().is_empty(), "{:?}", b.console_errors());
    b.eval("console.error('driver', 'check'); setTimeout(() => { throw new Error('later') }, 0)")
        .unwrap();
    for _ in 0..50 {
        if b.console_errors().len() >= 2 {
            break;
        }
        thread::sleep(Duration::from_millis(100));
        b.eval("0").unwrap(); // reads the events that arrived meanwhile
    }
    let errors = b.console_errors();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0], "console.error: driver check");
    assert!(
        errors[1].starts_with("uncaught: Error: later"),
        "{errors:?}"
    );
    eprintln!("total: {:?}", started.elapsed());
}
