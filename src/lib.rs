//! mlp2d: one small MLP written twice, by hand and with burn's autodiff, trained in lockstep.

pub mod bench;
pub mod burn_mlp;
pub mod compare;
pub mod config;
pub mod data;
pub mod gradcheck;
pub mod interrupt;
pub mod manual;
pub mod output;
pub mod params;
pub mod plot;
pub mod progress;
pub mod report;
pub mod rng;
pub mod run;
