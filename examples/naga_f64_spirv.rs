//! The `wgpu-f64` finding (docs/findings.md) one layer down: naga, the shader translator under
//! wgpu, accepts WGSL's `exp`, `log` and `tanh` of f64 values and writes them as GLSL.std.450
//! `Exp`, `Log` and `Tanh` on 64-bit floats, which that instruction set defines for 16- and
//! 32-bit floats only. `cargo run --release --features gpu --example naga_f64_spirv -- OUT.spv`,
//! then `spirv-val --target-env vulkan1.3 OUT.spv` (Debian's `spirv-tools`) rejects it.

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "exp_f64.spv".to_owned());
    let source = include_str!("wgpu_f64/exp_f64.wgsl");
    let words = match naga_spirv::spirv(source) {
        Ok(words) => words,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    if let Err(e) = std::fs::write(&out, bytes) {
        eprintln!("error: cannot write {out}: {e}");
        std::process::exit(1);
    }
    println!(
        "naga validated the shader and wrote {out}; now: spirv-val --target-env vulkan1.3 {out}"
    );
}

#[path = "wgpu_f64/naga.rs"]
mod naga_spirv;
