//! The device the burn twin runs on: a CPU backend's own, or the adapter a GPU backend picks
//! (a discrete GPU, an integrated one, or Mesa's lavapipe, a Vulkan driver that runs on the
//! CPU), named once per run in its header. Which adapter is chosen once per process.

use std::sync::OnceLock;

use anyhow::{Result, bail};
use burn::prelude::*;

use crate::config::{Backend, DeviceChoice};

/// The device choice for GPU backends, set once by the command (`--device`, `compare.device`).
static CHOICE: OnceLock<DeviceChoice> = OnceLock::new();

/// Sets the process's device choice; a second, different choice is an error (one process,
/// one adapter: runs compared against each other must share it).
pub fn choose(choice: DeviceChoice) -> Result<()> {
    let chosen = *CHOICE.get_or_init(|| choice);
    if chosen != choice {
        bail!(
            "device = {:?} asked after {:?} was chosen: one process runs on one device",
            name(choice),
            name(chosen)
        );
    }
    Ok(())
}

fn name(choice: DeviceChoice) -> &'static str {
    DeviceChoice::NAMES[choice as usize]
}

/// Refuses a backend this binary was not built with, saying how to build it.
pub fn ensure_built(backend: Backend) -> Result<()> {
    if let Some(feature) = backend.feature().filter(|_| !backend.built()) {
        bail!(
            "backend {:?} is not built into this binary: build with `cargo build --release \
             --features {feature}` (or run `cargo run --release --features {feature} -- …`)",
            backend.name()
        );
    }
    Ok(())
}

/// The autodiff device for `backend`.
pub fn device(backend: Backend) -> Result<Device> {
    ensure_built(backend)?;
    Ok(match backend {
        #[allow(deprecated)]
        // burn-ndarray is deprecated in 0.22 in favour of burn-flex (docs/speed.md)
        Backend::Ndarray => Device::ndarray().autodiff(),
        Backend::Flex => Device::flex().autodiff(),
        Backend::Wgpu => gpu_device()?,
        Backend::Cuda => cuda_device()?,
    })
}

/// One line naming where `backend` runs: the adapter, its driver and its kind for a GPU
/// backend, `None` for the CPU backends.
pub fn describe(backend: Backend) -> Result<Option<String>> {
    ensure_built(backend)?;
    match backend {
        Backend::Ndarray | Backend::Flex => Ok(None),
        Backend::Wgpu => gpu_line().map(Some),
        Backend::Cuda => Ok(Some("CUDA device 0".to_owned())),
    }
}

#[cfg(feature = "gpu")]
fn gpu_device() -> Result<Device> {
    Ok(Device::wgpu(adapter()?.kind).autodiff())
}

#[cfg(not(feature = "gpu"))]
fn gpu_device() -> Result<Device> {
    bail!("unreachable: wgpu is not built (ensure_built refuses it first)")
}

#[cfg(feature = "cuda")]
fn cuda_device() -> Result<Device> {
    Ok(Device::cuda(0usize).autodiff())
}

#[cfg(not(feature = "cuda"))]
fn cuda_device() -> Result<Device> {
    bail!("unreachable: cuda is not built (ensure_built refuses it first)")
}

#[cfg(feature = "gpu")]
pub use wgpu_adapter::{Adapter, adapter};

#[cfg(feature = "gpu")]
fn gpu_line() -> Result<String> {
    adapter().map(|a| a.describe())
}

#[cfg(not(feature = "gpu"))]
fn gpu_line() -> Result<String> {
    bail!("unreachable: wgpu is not built (ensure_built refuses it first)")
}

#[cfg(feature = "gpu")]
mod wgpu_adapter {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::OnceLock;
    use std::task::{Context, Poll, Waker};

    use anyhow::{Result, bail};
    use burn::tensor::DeviceKind;

    use super::{CHOICE, name};
    use crate::config::DeviceChoice;

    /// The adapter the wgpu backend runs on, as wgpu describes it.
    #[derive(Debug, Clone)]
    pub struct Adapter {
        pub kind: DeviceKind,
        pub info: wgpu::AdapterInfo,
    }

    impl Adapter {
        pub fn describe(&self) -> String {
            let i = &self.info;
            let kind = match i.device_type {
                wgpu::DeviceType::Cpu => "a CPU: no GPU in this run",
                wgpu::DeviceType::DiscreteGpu => "a discrete GPU",
                wgpu::DeviceType::IntegratedGpu => "an integrated GPU",
                wgpu::DeviceType::VirtualGpu => "a virtual GPU",
                wgpu::DeviceType::Other => "a device of unknown type",
            };
            format!(
                "{} via {:?}, driver {} {} ({kind})",
                i.name, i.backend, i.driver, i.driver_info
            )
        }
    }

    static ADAPTER: OnceLock<Result<Adapter, String>> = OnceLock::new();

    /// The adapter the process's choice picks, found once.
    pub fn adapter() -> Result<Adapter> {
        let choice = *CHOICE.get_or_init(DeviceChoice::default);
        match ADAPTER.get_or_init(|| pick(choice).map_err(|e| format!("{e:#}"))) {
            Ok(a) => Ok(a.clone()),
            Err(e) => bail!("{e}"),
        }
    }

    fn pick(choice: DeviceChoice) -> Result<Adapter> {
        let all = adapters();
        let first = |t: wgpu::DeviceType| all.iter().find(|a| a.device_type == t).cloned();
        let gpu = || {
            first(wgpu::DeviceType::DiscreteGpu)
                .map(|info| (DeviceKind::DiscreteGpu(0), info))
                .or_else(|| {
                    first(wgpu::DeviceType::IntegratedGpu)
                        .map(|info| (DeviceKind::IntegratedGpu(0), info))
                })
        };
        let cpu = || first(wgpu::DeviceType::Cpu).map(|info| (DeviceKind::Cpu, info));
        let found = match choice {
            DeviceChoice::Auto => gpu().or_else(cpu),
            DeviceChoice::Gpu => gpu(),
            DeviceChoice::Cpu => cpu(),
        };
        match found {
            Some((kind, info)) => Ok(Adapter { kind, info }),
            None if all.is_empty() => bail!(
                "no Vulkan device found for backend \"wgpu\": install a Vulkan driver (Debian/Ubuntu: \
                 `apt-get install mesa-vulkan-drivers libvulkan1` for Mesa's lavapipe, which runs on \
                 the CPU; on a GPU machine, its vendor's Vulkan driver)"
            ),
            None => bail!(
                "device = {:?} found no such adapter; wgpu sees: {}",
                name(choice),
                all.iter()
                    .map(|a| format!("{} ({:?})", a.name, a.device_type))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The adapters of the graphics API cubecl settles on: Vulkan (Metal, DX12) first.
    fn adapters() -> Vec<wgpu::AdapterInfo> {
        let backends = wgpu::Backends::PRIMARY;
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends,
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        block_on(instance.enumerate_adapters(backends))
            .iter()
            .map(wgpu::Adapter::get_info)
            .collect()
    }

    /// wgpu's native enumeration is ready at once; poll until it is.
    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = pin!(f);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::yield_now();
        }
    }
}
