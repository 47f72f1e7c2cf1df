//! `mlp2d grads`: gradients at given parameters, three ways (the twins and finite differences),
//! and anyone's gradient file judged against them.
//!
//! numeric.rs: finite differences; three_way.rs: the three columns side by side; given.rs: a
//! gradient file read; diagnose.rs: that file judged and its mistake named.

pub mod diagnose;
pub mod given;
pub mod numeric;
pub mod three_way;
