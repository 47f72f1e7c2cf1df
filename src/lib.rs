//! mlp2d: one small MLP written twice, by hand and with burn's autodiff, trained in lockstep.

#![warn(clippy::too_many_lines)]

pub mod agreement;
pub mod bench;
pub mod burn_device;
pub mod burn_mlp;
pub mod burn_optimizer;
pub mod check;
pub mod commands;
pub mod config;
pub mod data;
pub mod diagnosis;
pub mod divergence;
pub mod exact;
pub mod findings;
pub mod grads;
pub mod interrupt;
pub mod lockstep;
pub mod manual;
pub mod matmul;
pub mod metrics;
pub mod mistakes;
#[cfg(test)]
mod mutants;
#[cfg(test)]
mod mutation_tests;
pub mod output;
pub mod params;
pub mod plot;
pub mod progress;
pub mod report;
pub mod rng;
pub mod run_setup;
pub mod scalar;
pub mod serve;
pub mod sweep;
pub mod twins;
