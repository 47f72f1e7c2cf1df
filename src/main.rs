//! The `mlp2d` command line: thin; the work is in the library.

#![warn(clippy::too_many_lines)]

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use mlp2d::commands::{bench, check, compare, data, grads, report, serve, sweep};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "mlp2d",
    version,
    about = "One MLP written twice (by hand and with burn autodiff), trained in lockstep to prove the gradients agree"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train both twins in lockstep and check that their losses and gradients agree.
    ///
    /// Exit status: 0 when they agree, 1 when they do not, 2 for bad input or a diverged run
    /// (with --all: the worst of the runs), 130 when stopped by Ctrl-C (or SIGTERM).
    #[command(allow_negative_numbers = true)]
    Compare(compare::Args),
    /// Write the results table (Markdown, and summary.csv beside it) from finished runs; or,
    /// given sweep folders (shards), merge their sweep.csv into one and summarise it.
    #[command(allow_negative_numbers = true)]
    Report(report::Args),
    /// Loss and every gradient three ways (hand-written, burn, finite differences) at given
    /// parameters, on the config's whole training split.
    ///
    /// Exit status: 0 when all three agree, 1 when not, 2 for bad input.
    #[command(allow_negative_numbers = true)]
    Grads(grads::Args),
    /// Run anyone's forward, backward and optimizer step (any language) over many problems,
    /// the edge cases included, and judge every tensor in units of its rounding bound, naming
    /// the first wrong step and the mistake.
    ///
    /// Protocol: for problem k, CMD is run as `sh -c 'CMD "$@"' mlp2d DIR/problem-k.safetensors
    /// DIR/answer-k.safetensors`. The problem holds `x` [n, d] (f32 or f64), `y` [n] (int64),
    /// `layers.{i}.weight` [c_in, c_out], `layers.{i}.bias` [c_out], the optimizer's state before
    /// the step (`state.velocity.layers.{i}.weight|bias` for SGD with momentum,
    /// `state.moment_1…` and `state.moment_2…` for Adam and AdamW, `state.sum…` for AdaGrad,
    /// `state.square_avg…`, `state.grad_avg…`, `state.buf…` for RMSprop, `state.exp_avg…`,
    /// `state.exp_avg_sq…`, `state.exp_avg_diff…`, `state.neg_pre_grad…` for Adan, after their
    /// first step), and metadata `learning_rate`, `precision`, `activation` (relu, leaky_relu with
    /// `negative_slope`, tanh, sigmoid, gelu, silu), `optimizer` (sgd with `momentum`, `dampening`,
    /// `nesterov`, `weight_decay`; adam or adamw with `beta_1`, `beta_2`, `epsilon`,
    /// `weight_decay`; adagrad with `lr_decay`, `epsilon`, `weight_decay`; rmsprop with
    /// `momentum`, `alpha`, `centered`, `epsilon`, `weight_decay`; adan with `beta_1`, `beta_2`,
    /// `beta_3`, `no_prox`, `epsilon`, `weight_decay`) and `step` (the steps already taken). The answer holds any of `logits`,
    /// `loss`, `grad.logits`, `grad.layers.{i}.weight|bias|preactivation`,
    /// `next.layers.{i}.weight|bias`, `next.state.{buffer}.layers.{i}.weight|bias` (the
    /// optimizer's state after the step), and for hidden layers `layers.{i}.output`,
    /// `grad.layers.{i}.output` (f32 or f64). The whole protocol: docs/check.md.
    ///
    /// Scope: --activation, --optimizer, --precision (or an instructor's --assignment FILE) keep
    /// the problems to what an assignment covers. --twin manual|burn answers them with the
    /// project's own twins instead of CMD; --autograder DIR writes a Gradescope autograder.
    /// docs/check-assignments.md.
    ///
    /// Exit status: 0 when every problem agrees, 1 when any does not, 2 for bad usage.
    Check(Box<check::Args>),
    /// Write the config's data set as CSV (raw, or normalised as the twins see it), readable by
    /// kind = "csv".
    #[command(allow_negative_numbers = true)]
    Data(data::Args),
    /// Time one training step of each twin for a few net sizes, in f32 and f64 (a few seconds).
    #[command(allow_negative_numbers = true)]
    Bench(bench::Args),
    /// Train random problems (data, depth, widths, batch, learning rate, init, activation,
    /// optimizer, precision, backend) a few hundred steps each under the agreement gate; write
    /// DIR/sweep.csv.
    ///
    /// Exit status: 0 when every run passes or fails only on a documented burn finding
    /// (src/findings.rs; listed all the same), 1 when any run fails unexplained (or any at all
    /// with --strict; each failing run's config is left as DIR/run-R.toml), 2 for bad input, 130
    /// when stopped by Ctrl-C (or SIGTERM).
    #[command(allow_negative_numbers = true)]
    Sweep(sweep::Args),
    /// The playground: a page where both twins train live, side by side, with their agreement
    /// (http://127.0.0.1:8080/ by default; Ctrl-C stops).
    #[command(allow_negative_numbers = true)]
    Serve(serve::Args),
}

/// The Vulkan loader and wgpu look for `XDG_RUNTIME_DIR` and print four lines when it is unset
/// (as under CI and in containers): give them a private one in the temporary folder.
#[cfg(all(unix, feature = "gpu"))]
fn runtime_dir() {
    use std::os::unix::fs::DirBuilderExt;
    if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
        return;
    }
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let dir = std::env::temp_dir().join(format!("mlp2d-runtime-{uid}"));
    let made = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    if made.is_ok() || dir.is_dir() {
        // SAFETY: before any thread exists (the first thing main does after SIGPIPE).
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
    }
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so printing into a closed pipe would panic; a command-line tool
    // should just stop, as `cat` does.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    #[cfg(all(unix, feature = "gpu"))]
    runtime_dir();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A value out of range: the value parser's one line (exit 2), without clap's tips.
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::ValueValidation | ErrorKind::InvalidValue
            ) =>
        {
            let text = e.render().to_string();
            eprintln!("{}", text.lines().next().unwrap_or("error: invalid value"));
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
    mlp2d::interrupt::install();
    let serving = matches!(cli.command, Command::Serve(_));
    let outcome = match cli.command {
        Command::Compare(args) => compare::run(args),
        Command::Report(args) => report::run(args),
        Command::Grads(args) => grads::run(args),
        Command::Check(args) => check::run(*args),
        Command::Data(args) => data::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Serve(args) => serve::run(args),
    };
    match outcome {
        // Ctrl-C is how the server is meant to stop.
        Ok(code) if serving => code,
        // A signal that came while results were being written: they are complete, but the
        // user asked to stop, so say so the usual way.
        Ok(_) if mlp2d::interrupt::requested() => {
            eprintln!("interrupted: the results written are complete");
            ExitCode::from(130)
        }
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            // 130 = 128 + SIGINT, the shell's convention for a run stopped by Ctrl-C.
            ExitCode::from(if e.is::<mlp2d::interrupt::Interrupted>() {
                130
            } else {
                2
            })
        }
    }
}
