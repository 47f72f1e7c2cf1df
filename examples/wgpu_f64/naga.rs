//! WGSL to SPIR-V with naga, for the `wgpu-f64` finding (examples/naga_f64_spirv.rs and
//! tests/gpu.rs).

/// WGSL to SPIR-V words as wgpu does it: parsed, validated with every capability (f64
/// among them), written for Vulkan.
pub fn spirv(source: &str) -> Result<Vec<u32>, String> {
    let module = naga::front::wgsl::parse_str(source).map_err(|e| e.emit_to_string(source))?;
    let info = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::all(),
    )
    .validate(&module)
    .map_err(|e| format!("naga rejects the shader: {e:?}"))?;
    let options = naga::back::spv::Options::default();
    naga::back::spv::write_vec(&module, &info, &options, None).map_err(|e| e.to_string())
}
