//! `mlp2d check` against hostile and broken submissions (docs/grading-untrusted-code.md): each
//! case of the table there, run for real. Every run of mlp2d here is bounded: killed and failed
//! after a minute, its peak memory (mlp2d's and its reaped descendants', from wait4) asserted
//! under 1 GiB; problems are few and small, timeouts short.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mlp2d::check::problems;
use safetensors::Dtype;
use safetensors::tensor::TensorView;

/// What one bounded run of mlp2d gave.
struct Run {
    code: Option<i32>,
    out: String,
    err: String,
    /// Peak resident memory, MiB.
    peak_mib: f64,
}

/// Runs `cmd` (an mlp2d command) to its end, at most `limit`; fails the test on a hang or a
/// peak over 1 GiB. `during` is called once the process runs, with its pid.
// wait4 reaps the child (for its rusage, which `Child::wait` does not give).
#[allow(clippy::zombie_processes)]
fn bounded(mut cmd: Command, limit: Duration, during: impl FnOnce(u32)) -> Run {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mlp2d runs");
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = pipe.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = reader(Box::new(child.stdout.take().unwrap()));
    let err = reader(Box::new(child.stderr.take().unwrap()));
    let pid = child.id() as libc::pid_t;
    during(child.id());
    let start = Instant::now();
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: wait4 on our own child with pointers to locals.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break (status, usage);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mlp2d did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let run = Run {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        out: out.join().unwrap(),
        err: err.join().unwrap(),
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
    };
    assert!(run.peak_mib < 1024.0, "peak {} MiB", run.peak_mib);
    assert!(!run.err.contains("panicked"), "{}", run.err);
    run
}

fn mlp2d() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlp2d"))
}

/// `mlp2d check --out DIR --exec CMD ARGS…`, bounded to a minute.
fn check(dir: &Path, cmd: &str, args: &[&str]) -> Run {
    let mut c = mlp2d();
    c.arg("check")
        .arg("--out")
        .arg(dir)
        .arg("--exec")
        .arg(cmd)
        .args(args);
    bounded(c, Duration::from_secs(60), |_| {})
}

fn answers(dir: &Path, args: &[&str]) -> Run {
    let mut c = mlp2d();
    c.arg("check").arg("--answers").arg(dir).args(args);
    bounded(c, Duration::from_secs(60), |_| {})
}

/// Problem k's block of a text report.
fn block(out: &str, k: usize) -> &str {
    let start = out
        .find(&format!("problem {k} ("))
        .unwrap_or_else(|| panic!("no problem {k} in\n{out}"));
    let end = out[start + 1..]
        .find("\nproblem ")
        .map_or(out.len(), |e| start + 1 + e);
    &out[start..end]
}

/// A script file in `dir` that does `cases[k-1]` for problem k, as a CMD.
fn per_problem(dir: &Path, cases: &[&str]) -> String {
    let mut script = String::from("case \"$1\" in\n");
    for (i, c) in cases.iter().enumerate() {
        script.push_str(&format!("  *problem-{}.*) {c} ;;\n", i + 1));
    }
    script.push_str("esac\n");
    let path = dir.join("student.sh");
    std::fs::write(&path, script).unwrap();
    format!("sh '{}'", path.display())
}

/// Whether process `pid` still exists (a zombie counts: someone failed to reap it).
fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// The pids a command wrote, one a line.
fn pids(file: &Path) -> Vec<u32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{path:?} never came"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A safetensors file of `tensors` (name, dtype, shape, bytes) and `meta`.
fn safetensors_bytes(
    tensors: &[(String, Dtype, Vec<usize>, Vec<u8>)],
    meta: Option<std::collections::HashMap<String, String>>,
) -> Vec<u8> {
    let views: Vec<(String, TensorView)> = tensors
        .iter()
        .map(|(n, d, s, b)| (n.clone(), TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    safetensors::serialize(views, &meta).unwrap()
}

type Tensors = Vec<(String, Dtype, Vec<usize>, Vec<u8>)>;
type Meta = std::collections::HashMap<String, String>;

/// Rewrites a problem file through `edit`.
fn rewrite(path: &Path, edit: impl FnOnce(&mut Tensors, &mut Meta)) {
    let bytes = std::fs::read(path).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut meta = header.metadata().clone().unwrap();
    let mut tensors: Tensors = file
        .tensors()
        .into_iter()
        .map(|(n, v)| (n, v.dtype(), v.shape().to_vec(), v.data().to_vec()))
        .collect();
    edit(&mut tensors, &mut meta);
    std::fs::write(path, safetensors_bytes(&tensors, Some(meta))).unwrap();
}

fn edge(case: &str) -> usize {
    problems::EDGE_CASES
        .iter()
        .position(|c| *c == case)
        .unwrap()
        + 1
}

#[test]
fn an_answer_that_is_a_fifo_a_device_or_a_folder_is_refused_at_once() {
    let (dir, side) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cmd = per_problem(
        side.path(),
        &[
            r#"mkfifo "$2""#,
            r#"ln -s /dev/zero "$2""#,
            r#"mkdir "$2""#,
            r#"mkfifo "$2.fifo"; ln -s "$(basename "$2").fifo" "$2""#,
        ],
    );
    let r = check(
        dir.path(),
        &cmd,
        &["--problems", "4", "--jobs", "2", "--timeout", "20"],
    );
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    for (k, what) in [
        (1, "it is a FIFO, not a regular file"),
        (2, "it is a character device, not a regular file"),
        (3, "it is a folder, not a regular file"),
        (4, "it is a FIFO, not a regular file"),
    ] {
        assert!(
            block(&r.out, k).contains(what),
            "problem {k}: {what:?} in\n{}",
            r.out
        );
    }
}

#[test]
fn fifos_in_answers_mode_are_their_problems_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut w = mlp2d();
    w.args(["check", "--problems", "3", "--write-problems"])
        .arg(d);
    assert_eq!(bounded(w, Duration::from_secs(60), |_| {}).code, Some(0));
    std::fs::remove_file(d.join("problem-2.safetensors")).unwrap();
    for fifo in ["problem-2.safetensors", "answer-3.safetensors"] {
        let status = Command::new("mkfifo").arg(d.join(fifo)).status().unwrap();
        assert!(status.success());
    }
    let r = answers(d, &[]);
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(block(&r.out, 1).contains("no answer"), "{}", r.out);
    assert!(
        block(&r.out, 2).contains("bad problem file: it is a FIFO, not a regular file"),
        "{}",
        r.out
    );
    assert!(
        block(&r.out, 3).contains("it is a FIFO, not a regular file"),
        "{}",
        r.out
    );
}

/// SIGTERM (what `timeout`, systemd and CI runners send) and SIGINT (Ctrl-C) stop a run that
/// waits on a hanging command, and the command's processes, setsid ones included, go with it;
/// after SIGKILL, which mlp2d cannot see, its supervisors see it gone and do the same.
#[test]
fn sigterm_ctrl_c_and_sigkill_stop_the_run_and_every_process_of_the_command() {
    for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGKILL] {
        let (dir, side) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let pidfile = side.path().join("pids");
        let cmd = format!(
            "f(){{ sleep 300 & echo $! >> '{p}'; setsid sh -c 'echo $$ >> \"$1\"; exec sleep 300' x '{p}' & sleep 300; }}; f",
            p = pidfile.display()
        );
        let mut c = mlp2d();
        c.arg("check").arg("--out").arg(dir.path());
        c.args(["--exec", &cmd, "--problems", "1", "--timeout", "100"]);
        let r = bounded(c, Duration::from_secs(60), |pid| {
            let start = Instant::now();
            while pids(&pidfile).len() < 2 {
                assert!(
                    start.elapsed() < Duration::from_secs(30),
                    "the command never started"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            // SAFETY: a signal to our own child.
            unsafe {
                libc::kill(pid as libc::pid_t, signal);
            }
        });
        let killed = signal == libc::SIGKILL;
        assert_eq!(
            r.code,
            (!killed).then_some(130),
            "signal {signal}: {}{}",
            r.out,
            r.err
        );
        // SIGKILL gives the supervisor no notice but its socket closing: a moment later.
        let start = Instant::now();
        for pid in pids(&pidfile) {
            while killed && alive(pid) && start.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(20));
            }
            assert!(
                !alive(pid),
                "signal {signal}: process {pid} outlived the run"
            );
        }
    }
}

/// A 2 GiB answer (a valid f32 header then a hole) and one that is all zeros are refused by
/// their size, before a byte is read; mlp2d's memory stays small.
#[test]
fn an_answer_over_its_size_limit_is_refused_unread() {
    let (dir, side) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let header = {
        let n: usize = 1 << 29;
        let json = format!(
            r#"{{"logits":{{"dtype":"F32","shape":[{n}],"data_offsets":[0,{}]}}}}"#,
            4 * n
        );
        let mut b = (json.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(json.as_bytes());
        let path = side.path().join("header");
        std::fs::write(&path, b).unwrap();
        path
    };
    let cmd = per_problem(
        side.path(),
        &[
            &format!(
                "cp '{}' \"$2\"; truncate -s 2147483700 \"$2\"",
                header.display()
            ),
            "truncate -s 2G \"$2\"",
        ],
    );
    let r = check(
        dir.path(),
        &cmd,
        &["--problems", "2", "--jobs", "1", "--file-size-limit", "0"],
    );
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    for k in [1, 2] {
        assert!(
            block(&r.out, k).contains("answer too big: it is 21474"),
            "{}",
            r.out
        );
    }
    assert!(r.peak_mib < 200.0, "peak {} MiB", r.peak_mib);
}

/// The problem of the issue (width 500,000 and 2,000 rows) and a smaller one of 2,000 rows are
/// refused in --answers mode, each as its problem's verdict; --max-problem admits the second.
#[test]
fn a_problem_bigger_than_check_draws_is_refused_unless_a_flag_raises_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut w = mlp2d();
    w.args(["check", "--problems", "2", "--write-problems"])
        .arg(d);
    assert_eq!(bounded(w, Duration::from_secs(60), |_| {}).code, Some(0));
    // Problem 1 (batch-of-1: f64, no hidden layer state): one hidden layer of `width` units.
    let sized = |k: usize, rows: usize, width: usize| {
        rewrite(&d.join(format!("problem-{k}.safetensors")), |t, _| {
            let f64s = |n: usize| vec![0u8; 8 * n];
            t.retain(|(n, ..)| !n.starts_with("layers.") && n != "x" && n != "y");
            t.push(("x".into(), Dtype::F64, vec![rows, 2], f64s(rows * 2)));
            t.push(("y".into(), Dtype::I64, vec![rows], vec![0u8; 8 * rows]));
            t.push((
                "layers.0.weight".into(),
                Dtype::F64,
                vec![2, width],
                f64s(2 * width),
            ));
            t.push(("layers.0.bias".into(), Dtype::F64, vec![width], f64s(width)));
            t.push((
                "layers.1.weight".into(),
                Dtype::F64,
                vec![width, 3],
                f64s(3 * width),
            ));
            t.push(("layers.1.bias".into(), Dtype::F64, vec![3], f64s(3)));
        });
    };
    sized(1, 2000, 500_000);
    sized(2, 2000, 8);
    // The file's own size (its metadata holds only the keys that apply to its optimizer).
    let bytes = std::fs::metadata(d.join("problem-1.safetensors"))
        .unwrap()
        .len();
    assert!(bytes > 24_000_000, "{bytes}");
    let r = answers(d, &[]);
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(
        block(&r.out, 1).contains(&format!(
            "bad problem file: it is {bytes} bytes, over the limit of"
        )),
        "{}",
        r.out
    );
    assert!(
        block(&r.out, 2)
            .contains("bad problem file: tensor `x` has 2000 rows, over the limit of 256"),
        "{}",
        r.out
    );
    assert!(r.peak_mib < 200.0, "peak {} MiB", r.peak_mib);
    let r = answers(d, &["--max-problem", "2000,64,5"]);
    assert!(block(&r.out, 2).contains("FAILS: no answer"), "{}", r.out);
}

/// Background jobs, setsid daemons (forked twice) and a command that kills its supervisor:
/// none of their processes outlives its problem, and a late writer cannot change the answer
/// after it was judged.
#[test]
fn no_process_of_the_command_outlives_it() {
    let (dir, side) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let pidfile = side.path().join("pids");
    let junk = side.path().join("junk");
    std::fs::write(&junk, b"not an answer").unwrap();
    let p = pidfile.display();
    // The daemon writes its pid to a file of its own; its parent copies it once it is there.
    let daemon = |k: usize| {
        format!(
            "( setsid sh -c 'echo $$ > \"$1\"; exec sleep 300' x '{p}.{k}' & ) ; until [ -s '{p}.{k}' ]; do sleep 0.05; done; cat '{p}.{k}' >> '{p}'"
        )
    };
    let cmd = per_problem(
        side.path(),
        &[
            // Exits 0 with a background job still running.
            &format!("sleep 300 & echo $! >> '{p}'"),
            // A daemon in its own session, its parent gone.
            &daemon(2),
            // The same, then a hang until the timeout.
            &format!("{}; sleep 300", daemon(3)),
            // Kills the supervisor above it (the parent of its session's leader), leaving a
            // child behind.
            &format!(
                "sleep 300 & echo $! >> '{p}'; s=$(cut -d' ' -f6 /proc/$$/stat); kill -9 $(cut -d' ' -f4 /proc/$s/stat); sleep 0.5"
            ),
            // A correct-looking answer, and a writer that changes it a second later.
            &format!(
                "cp '{}' \"$2\"; ( sleep 1; echo late > \"$2\" ) &",
                junk.display()
            ),
        ],
    );
    let r = check(
        dir.path(),
        &cmd,
        &["--problems", "5", "--jobs", "2", "--timeout", "5"],
    );
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(block(&r.out, 3).contains("timed out"), "{}", r.out);
    assert!(
        block(&r.out, 4).contains("killed the process that supervised it"),
        "{}",
        r.out
    );
    assert!(
        block(&r.out, 5).contains("not a safetensors file"),
        "{}",
        r.out
    );
    let written = pids(&pidfile);
    assert_eq!(written.len(), 4, "{written:?}");
    for pid in written {
        assert!(!alive(pid), "process {pid} outlived the run\n{}", r.out);
    }
    std::thread::sleep(Duration::from_millis(1500));
    let answer = std::fs::read(dir.path().join("answer-5.safetensors")).unwrap();
    assert_eq!(answer, b"not an answer", "a late writer changed the answer");
}

fn limits_of(out: &str, k: usize) -> Vec<String> {
    block(out, k)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("stderr: "))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn resource_limits_have_defaults_and_flags_and_are_named_when_hit() {
    let (dir, side) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let show = "grep -E 'Max (address space|file size|cpu time|processes|core file)' /proc/self/limits >&2; exit 1";
    let cmd = per_problem(
        side.path(),
        &[
            show,
            "head -c 3000000 /dev/zero > \"$2\"",
            "while :; do :; done",
        ],
    );
    let r = check(dir.path(), &cmd, &["--problems", "1", "--timeout", "2"]);
    let cores = std::thread::available_parallelism().unwrap().get() as u64;
    let lines = limits_of(&r.out, 1);
    let has = |want: &str| lines.iter().any(|l| l.starts_with(want));
    assert!(
        has(&format!(
            "Max cpu time {} {} seconds",
            2 * cores + 1,
            2 * cores + 2
        )),
        "{lines:?}"
    );
    assert!(has("Max file size 67108864 67108864 bytes"), "{lines:?}");
    assert!(has("Max core file size 0 0 bytes"), "{lines:?}");
    assert!(
        has("Max address space 4294967296 4294967296 bytes"),
        "{lines:?}"
    );
    let nproc = lines
        .iter()
        .find(|l| l.starts_with("Max processes"))
        .unwrap();
    let n: u64 = nproc.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(n > 256, "{nproc}");
    let own = std::fs::read_to_string("/proc/self/limits").unwrap();
    let own = own
        .lines()
        .find(|l| l.starts_with("Max processes"))
        .unwrap();
    let own = own.split_whitespace().collect::<Vec<_>>().join(" ");
    let flags = [
        "--memory-limit",
        "100",
        "--file-size-limit",
        "1",
        "--cpu-limit",
        "1",
        "--process-limit",
        "0",
        "--problems",
        "3",
        "--timeout",
        "20",
    ];
    let r = check(dir.path(), &cmd, &flags);
    let lines = limits_of(&r.out, 1);
    let has = |want: &str| lines.iter().any(|l| l.starts_with(want));
    assert!(has("Max cpu time 1 2 seconds"), "{lines:?}");
    assert!(has("Max file size 1048576 1048576 bytes"), "{lines:?}");
    assert!(
        has("Max address space 104857600 104857600 bytes"),
        "{lines:?}"
    );
    assert!(
        has(&own),
        "--process-limit 0 leaves mlp2d's own {own:?}: {lines:?}"
    );
    assert!(
        block(&r.out, 2).contains("SIGXFSZ: a file went over the file-size limit of 1 MiB"),
        "{}",
        r.out
    );
    assert!(
        block(&r.out, 3).contains("SIGXCPU: a process went over the CPU-time limit of 1 s"),
        "{}",
        r.out
    );
}

fn bwrap_works() -> Result<(), String> {
    let out = Command::new("bwrap")
        .args(["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"])
        .args(["--unshare-all", "--tmpfs", "/tmp", "true"])
        .output()
        .map_err(|e| format!("bwrap does not run: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

/// Under --sandbox the command cannot write outside DIR (not beside it either), sees a /tmp of
/// its own and no network device but loopback, and still writes its answer into DIR.
#[test]
fn the_sandbox_keeps_the_command_to_dir_without_network() {
    let on_path = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .any(|d| d.join("bwrap").is_file());
    if !on_path {
        assert!(
            std::env::var_os("CI").is_none(),
            "bubblewrap is needed for this test under CI (.ci/run installs it)"
        );
        eprintln!("the sandbox test skipped: no bwrap (apt-get install bubblewrap)");
        return;
    }
    // The script outside /tmp: the sandbox's /tmp is its own.
    let (root, side) = (
        tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap(),
        tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap(),
    );
    let dir = root.path().join("out");
    let marker = format!("mlp2d-sandbox-{}", std::process::id());
    if let Err(why) = bwrap_works() {
        // bwrap is here but cannot make namespaces (a container that forbids them): mlp2d must
        // say so in one line, with bwrap's reason.
        let r = check(&dir, "true", &["--sandbox", "--problems", "1"]);
        assert_eq!(r.code, Some(2), "{}", r.err);
        assert!(
            r.err.contains("bubblewrap cannot set up its sandbox here"),
            "{}",
            r.err
        );
        assert_eq!(r.err.trim_end().lines().count(), 1, "{}", r.err);
        eprintln!("the sandbox test only checked the refusal: bwrap cannot run here: {why}");
        return;
    }
    let report = "\"$(dirname \"$2\")/report\"";
    let script = format!(
        r#"{{ touch /mlp2d-outside 2>&1; touch "$(dirname "$2")/../escaped" 2>&1; echo x > /tmp/{marker} && echo tmp-ok; tail -n +3 /proc/net/dev | cut -d: -f1; }} > {report}; cp "$1" "$2""#
    );
    let cmd = per_problem(side.path(), &[&script]);
    let r = check(&dir, &cmd, &["--sandbox", "--problems", "1"]);
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    let inside = std::fs::read_to_string(dir.join("report")).unwrap();
    let refused = |what: &str| {
        inside
            .lines()
            .any(|l| l.contains(what) && l.contains("Read-only file system"))
    };
    assert!(refused("/mlp2d-outside"), "{inside}");
    assert!(refused("/../escaped"), "{inside}");
    assert!(!root.path().join("escaped").exists());
    assert!(inside.contains("tmp-ok"), "{inside}");
    assert!(
        !Path::new("/tmp").join(&marker).exists(),
        "the command wrote the real /tmp"
    );
    let devices: Vec<&str> = inside
        .lines()
        .skip_while(|l| !l.contains("tmp-ok"))
        .skip(1)
        .map(str::trim)
        .collect();
    assert_eq!(devices, ["lo"], "{inside}");
    // The answer (the problem file itself) was written into DIR and judged.
    assert!(block(&r.out, 1).contains("wrong names"), "{}", r.out);
}

#[test]
fn without_bubblewrap_the_sandbox_is_refused_in_one_line() {
    let (dir, bin) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let out = dir.path().join("out");
    std::os::unix::fs::symlink("/bin/sh", bin.path().join("sh")).unwrap();
    let mut c = mlp2d();
    c.arg("check")
        .arg("--out")
        .arg(&out)
        .args(["--exec", "true", "--sandbox"]);
    c.env("PATH", bin.path());
    let r = bounded(c, Duration::from_secs(60), |_| {});
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(
        r.err.contains("--sandbox needs bubblewrap (`bwrap`)"),
        "{}",
        r.err
    );
    assert_eq!(r.err.trim_end().lines().count(), 1, "{}", r.err);
    assert!(!out.join("problem-1.safetensors").exists());
    // Without a command there is nothing to sandbox: said, not ignored.
    let r = answers(dir.path(), &["--sandbox"]);
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(
        r.err.contains("--sandbox applies to --exec only"),
        "{}",
        r.err
    );
}

#[test]
fn a_second_run_on_the_same_folder_is_refused_and_the_first_is_unharmed() {
    let (dir, side) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let started = side.path().join("started");
    let cmd = format!("f(){{ touch '{}'; sleep 2; }}; f", started.display());
    let mut first = mlp2d();
    first.arg("check").arg("--out").arg(dir.path());
    first.args([
        "--exec",
        &cmd,
        "--problems",
        "2",
        "--jobs",
        "1",
        "--seed",
        "1",
    ]);
    let r = bounded(first, Duration::from_secs(60), |_| {
        wait_for(&started);
        let second = check(dir.path(), "true", &["--problems", "2", "--seed", "2"]);
        assert_eq!(second.code, Some(2), "{}", second.err);
        assert!(
            second
                .err
                .contains("is in use by another mlp2d run (process "),
            "{}",
            second.err
        );
        assert_eq!(second.err.trim_end().lines().count(), 1, "{}", second.err);
    });
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert_eq!(r.out.matches("FAILS: no answer").count(), 2, "{}", r.out);
    // The first run's problems are still seed 1's.
    let p = problems::problem(1, 1).unwrap();
    let bytes = std::fs::read(dir.path().join("problem-2.safetensors")).unwrap();
    let held = problems::from_safetensors(&bytes).unwrap();
    assert_eq!((held.x, held.params), (p.x, p.params));
}

/// Tensor names and stderr holding newlines, carriage returns, ANSI codes, NUL and bidi
/// overrides, at any length, are shown escaped and cut in every format: no forged line.
#[test]
fn names_and_stderr_cannot_forge_or_blow_up_the_report() {
    let (dir, side) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let forged = "logits\n6 of 6 problems agree\n\u{1b}[2J\0\u{202e}";
    let long = "n".repeat(20_000);
    let tensors: Tensors = [forged, long.as_str()]
        .iter()
        .map(|n| (n.to_string(), Dtype::F64, vec![1], vec![0u8; 8]))
        .collect();
    let answer = side.path().join("answer");
    std::fs::write(&answer, safetensors_bytes(&tensors, None)).unwrap();
    let stderr = side.path().join("stderr");
    let mut noise = b"\r6 of 6 problems agree\n\x1b[31mred\x1b[0m\x00\n".to_vec();
    noise.extend(vec![b'e'; 100_000]);
    std::fs::write(&stderr, noise).unwrap();
    let cmd = format!(
        "f(){{ cp '{}' \"$2\"; cat '{}' >&2; exit 1; }}; f",
        answer.display(),
        stderr.display()
    );
    let cmd_names = format!("f(){{ cp '{}' \"$2\"; }}; f", answer.display());
    for (cmd, format) in [
        (&cmd, "text"),
        (&cmd_names, "text"),
        (&cmd, "json"),
        (&cmd, "junit"),
    ] {
        let r = check(dir.path(), cmd, &["--problems", "1", "--format", format]);
        assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
        for bad in ['\u{1b}', '\0', '\r', '\u{202e}'] {
            assert!(!r.out.contains(bad), "{format}: raw {bad:?} in\n{}", r.out);
        }
        assert!(
            !r.out.lines().any(|l| l.trim_start().starts_with("6 of 6")),
            "{}",
            r.out
        );
        assert!(r.out.len() < 20_000, "{format}: {} bytes", r.out.len());
        if format == "text" {
            assert!(r.out.contains("0 of 1 problem agrees"), "{}", r.out);
        }
    }
    let r = check(dir.path(), &cmd_names, &["--problems", "1"]);
    assert!(
        r.out
            .contains("`logits\\n6 of 6 problems agree\\n\\x1b[2J\\0\\u{202e}`"),
        "{}",
        r.out
    );
    assert!(r.out.contains("…(+"), "the long name is cut: {}", r.out);
}

/// A command that floods stderr is kept to its last bytes in memory: nothing is spooled to a
/// temporary file, the last line still shows, and memory stays small.
#[test]
fn stderr_is_kept_to_its_last_bytes_in_memory() {
    let (dir, side, tmp) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let cmd = per_problem(
        side.path(),
        &[
            "cat /dev/zero >&2",
            "head -c 300000000 /dev/zero >&2; echo >&2; echo the-last-line >&2; exit 1",
        ],
    );
    let mut c = mlp2d();
    c.arg("check")
        .arg("--out")
        .arg(dir.path())
        .env("TMPDIR", tmp.path());
    c.args([
        "--exec",
        &cmd,
        "--problems",
        "2",
        "--jobs",
        "2",
        "--timeout",
        "3",
    ]);
    let r = bounded(c, Duration::from_secs(60), |_| {});
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(block(&r.out, 1).contains("timed out"), "{}", r.out);
    assert!(
        block(&r.out, 2).contains("stderr: the-last-line"),
        "{}",
        r.out
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "spooled to TMPDIR"
    );
    assert!(r.peak_mib < 200.0, "peak {} MiB", r.peak_mib);
}

#[test]
fn a_cmd_that_cannot_receive_the_paths_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    for (cmd, why) in [
        ("python3 x.py;", "ends in `;`"),
        ("true &", "ends in `&`"),
        ("cat |", "ends in `|`"),
        ("true # grade me", "ends in a comment"),
        ("true\n", "ends in a newline"),
        ("echo 'a", "leaves a ' quote open"),
        ("echo \"a", "leaves a \" quote open"),
        ("true \\", "ends in a backslash"),
        ("if true; then", "sh cannot parse CMD"),
        (
            "no-such-program-mlp2d --flag",
            "`no-such-program-mlp2d` is not a command sh can find",
        ),
        (
            "./no-such-file.sh",
            "`./no-such-file.sh` is not a command sh can find",
        ),
    ] {
        let out = dir.path().join("out");
        let r = check(&out, cmd, &["--problems", "2"]);
        assert_eq!(r.code, Some(2), "{cmd:?}: {}{}", r.out, r.err);
        assert!(r.err.contains(why), "{cmd:?}: {why:?} in {}", r.err);
        assert_eq!(r.err.trim_end().lines().count(), 1, "{}", r.err);
        assert!(!out.exists(), "{cmd:?}: a problem ran or was written");
    }
    // What sh runs fine is not refused: a function, a quoted `;`, an assignment, a comment line.
    for cmd in [
        "f(){ :; }; f",
        "echo ';' >/dev/null; true",
        "X=1 true",
        "# note\ntrue",
    ] {
        let r = check(&dir.path().join("ok"), cmd, &["--problems", "1"]);
        assert_eq!(r.code, Some(1), "{cmd:?}: {}{}", r.out, r.err);
        assert!(r.out.contains("FAILS: no answer"), "{cmd:?}: {}", r.out);
    }
}

/// --answers: bad files are their problems' verdicts, named, and the rest are judged; what
/// check never writes is refused with its reason; step = 2147483647 is judged where valid.
#[test]
fn answers_mode_judges_each_problem_and_refuses_what_check_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut w = mlp2d();
    w.args(["check", "--problems", "16", "--write-problems"])
        .arg(d);
    assert_eq!(bounded(w, Duration::from_secs(60), |_| {}).code, Some(0));
    let file = |k: usize| d.join(format!("problem-{k}.safetensors"));
    rewrite(&file(1), |t, _| {
        for (n, _, shape, bytes) in t.iter_mut() {
            if n == "x" || n == "y" {
                shape[0] = 0;
                bytes.clear();
            }
        }
    });
    rewrite(&file(2), |_, m| {
        m.insert("precision".into(), "f32".into());
    });
    let big_x = edge("mean-count");
    rewrite(&file(big_x), |t, _| {
        let x = t.iter_mut().find(|(n, ..)| n == "x").unwrap();
        x.3[..8].copy_from_slice(&1e300f64.to_le_bytes());
    });
    std::fs::write(file(4), b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}").unwrap();
    let step = |k: usize| {
        rewrite(&file(k), |_, m| {
            m.insert("step".into(), "2147483647".into());
        })
    };
    step(edge("nesterov-momentum"));
    step(edge("adam-later-step"));
    let r = answers(d, &[]);
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    for (k, want) in [
        (
            1,
            "bad problem file: tensor `x` has shape [0, 2]: check never writes an empty batch",
        ),
        (
            2,
            "bad problem file: tensor `layers.0.bias` is F64 but the precision tag says f32",
        ),
        (big_x, "bad problem file: x reaches 1e300"),
        (4, "bad problem file: not a safetensors file"),
        (
            edge("adam-later-step"),
            "step 2147483647: burn counts adam's steps t = step + 1 in an i32",
        ),
        (edge("nesterov-momentum"), "FAILS: no answer"),
        (16, "FAILS: no answer"),
    ] {
        assert!(
            block(&r.out, k).contains(want),
            "problem {k}: {want:?} in\n{}",
            r.out
        );
    }
    assert_eq!(
        r.out.matches("FAILS: bad problem file").count(),
        5,
        "{}",
        r.out
    );
    assert!(r.out.contains("0 of 16 problems agree"), "{}", r.out);
}

/// The default limits refuse nothing check draws: every problem of three seeds reads back.
#[test]
fn every_problem_check_draws_is_within_the_default_limits() {
    for seed in 1..=3 {
        for (k, p) in problems::draw(60, seed).unwrap().iter().enumerate() {
            let bytes = problems::to_safetensors(p).unwrap();
            let limits = mlp2d::check::limits::ProblemLimits::default();
            assert!(
                bytes.len() as u64 <= limits.file_bytes(),
                "seed {seed} problem {}",
                k + 1
            );
            if let Err(e) = problems::from_safetensors(&bytes) {
                panic!("seed {seed} problem {} ({}) refused: {e:#}", k + 1, p.case);
            }
        }
    }
}

/// The worst a submission can do to mlp2d's memory: the largest answers the limits admit (one
/// f32 tensor, widened to f64 when read) on every problem, two at a time, while flooding stderr.
/// docs/grading-untrusted-code.md states the peak this measures.
#[test]
fn memory_stays_bounded_with_the_largest_answers_allowed() {
    let (dir, side) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let count = 40;
    for (i, p) in problems::draw(count, 1).unwrap().iter().enumerate() {
        let room = mlp2d::check::answer::max_bytes(p) - 4096;
        let n = room as usize / 4;
        let t: Tensors = vec![("logits".into(), Dtype::F32, vec![n], vec![0u8; 4 * n])];
        std::fs::write(
            side.path().join(format!("big-{}", i + 1)),
            safetensors_bytes(&t, None),
        )
        .unwrap();
    }
    let cmd = format!(
        "f(){{ k=${{1##*problem-}}; k=${{k%.safetensors}}; cp '{}/big-'$k \"$2\"; head -c 20000000 /dev/zero >&2; }}; f",
        side.path().display()
    );
    let count = count.to_string();
    let r = check(dir.path(), &cmd, &["--problems", &count, "--jobs", "2"]);
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    for k in 1..=40 {
        assert!(block(&r.out, k).contains("wrong shape"), "{}", r.out);
    }
    eprintln!("peak resident memory: {:.1} MiB", r.peak_mib);
    assert!(r.peak_mib < 300.0, "peak {} MiB", r.peak_mib);
}

/// The largest problem the default limits admit (256 rows, every layer 64 wide, 5 layers, Adam
/// with its two moments, f32): a value in [-0.5, 0.5) from a counter.
fn largest_problem() -> mlp2d::check::Problem {
    use mlp2d::config::{Activation, AdamSettings, Optimizer, Precision};
    use mlp2d::params::{LayerParams, OptimizerState, Params};
    use ndarray::{Array1, Array2};
    let mut n = 0u64;
    let mut next = move || {
        n += 1;
        ((n * 7919) % 1000) as f64 / 1000.0 - 0.5
    };
    let mut params = || Params {
        layers: (0..5)
            .map(|_| LayerParams {
                weight: Array2::from_shape_simple_fn((64, 64), &mut next),
                bias: Array1::from_shape_simple_fn(64, &mut next),
            })
            .collect(),
    };
    let (p, m1, m2) = (params(), params(), params().rounded(Precision::F32));
    let m2 = Params {
        layers: m2
            .layers
            .into_iter()
            .map(|l| LayerParams {
                weight: l.weight.mapv(f64::abs),
                bias: l.bias.mapv(f64::abs),
            })
            .collect(),
    };
    let x = Array2::from_shape_fn((256, 64), |(i, j)| ((i * 31 + j * 17) % 100) as f64 / 100.0);
    mlp2d::check::Problem {
        case: "largest".into(),
        about: String::new(),
        x: x.mapv(|v| v as f32 as f64),
        y: (0..256).map(|i| i % 64).collect(),
        params: p.rounded(Precision::F32),
        learning_rate: 0.001f32 as f64,
        precision: Precision::F32,
        activation: Activation::Relu,
        optimizer: Optimizer::Adam(AdamSettings {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-8,
            weight_decay: 0.0,
        }),
        state: OptimizerState {
            steps: 5,
            buffers: vec![
                ("moment_1".into(), m1.rounded(Precision::F32)),
                ("moment_2".into(), m2),
            ],
        },
    }
}

/// --answers over copies of the largest problem the default limits admit, each with the largest
/// answer its limit admits: mlp2d's peak memory (docs/grading-untrusted-code.md states it).
#[test]
fn memory_stays_bounded_with_the_largest_problems_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let p = largest_problem();
    let bytes = problems::to_safetensors(&p).unwrap();
    let limits = mlp2d::check::limits::ProblemLimits::default();
    assert!(bytes.len() as u64 <= limits.file_bytes());
    let n = (mlp2d::check::answer::max_bytes(&p) as usize - 4096) / 4;
    let t: Tensors = vec![("logits".into(), Dtype::F32, vec![n], vec![0u8; 4 * n])];
    let answer = safetensors_bytes(&t, None);
    for k in 1..=20 {
        std::fs::write(dir.path().join(format!("problem-{k}.safetensors")), &bytes).unwrap();
        std::fs::write(dir.path().join(format!("answer-{k}.safetensors")), &answer).unwrap();
    }
    let r = answers(dir.path(), &["--format", "json"]);
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    let doc: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 20);
    for t in tests {
        assert!(
            t["output"].as_str().unwrap().contains("wrong shape ["),
            "{t}"
        );
    }
    eprintln!(
        "problem {} bytes, answer {} bytes; peak resident memory: {:.1} MiB",
        bytes.len(),
        answer.len(),
        r.peak_mib
    );
    assert!(r.peak_mib < 300.0, "peak {} MiB", r.peak_mib);
}
