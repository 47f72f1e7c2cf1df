//! The `mlp2d` commands, one file each: its arguments (clap) and what it does. `main.rs` only
//! dispatches.

pub mod args;
pub mod bench;
pub mod check;
pub mod compare;
pub mod data;
pub mod grads;
pub mod report;
pub mod serve;
pub mod sweep;
