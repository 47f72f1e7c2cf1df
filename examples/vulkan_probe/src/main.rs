//! burn's `vulkan` feature (cubecl-spirv) on Mesa's lavapipe: one 4×4 f32 matrix product.
//! On lavapipe the process dies with SIGSEGV in `create_compute_pipeline`; the kernel's SPIR-V
//! (`CUBECL_DEBUG_PLIRON=DIR`) is what `spirv-val` rejects (docs/gpu.md).

use burn::prelude::*;
use burn::tensor::DeviceKind;

fn main() {
    let device = Device::vulkan(DeviceKind::Cpu);
    println!("device {:?}", device.identity().map(|i| i.name));
    let a = Tensor::<2>::ones([4, 4], &device);
    println!("{:?}", a.clone().matmul(a).into_data());
}
