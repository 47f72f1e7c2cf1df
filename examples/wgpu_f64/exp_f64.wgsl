// exp, log and tanh of f64 values, as cubecl writes them for burn's wgpu backend.
@group(0) @binding(0) var<storage, read_write> v: array<f64>;

@compute @workgroup_size(1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let x = v[id.x];
    v[id.x] = exp(x) + log(x) + tanh(x);
}
