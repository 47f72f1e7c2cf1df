//! `mlp2d grads`: gradients at given parameters, three ways (the twins and finite differences),
//! and anyone's gradient file judged against them.
//!
//! numeric.rs: finite differences; three_way.rs: the three columns side by side; given.rs: a
//! gradient file read; diagnose.rs: that file judged and its mistake named; mistakes.rs: the
//! classic mistakes' factors and the fit to a mistaken backward (exact/'s, with the mistake built
//! in), shared with `mlp2d check`.

pub mod diagnose;
pub mod given;
pub mod mistakes;
pub mod numeric;
pub mod three_way;
