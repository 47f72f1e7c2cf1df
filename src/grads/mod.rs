//! `mlp2d grads`: gradients at given parameters, three ways (the twins and finite differences),
//! and anyone's gradient file judged as `mlp2d check` judges an answer.
//!
//! numeric.rs: finite differences; three_way.rs: the three columns side by side; given.rs: a
//! gradient file read, and turned into check's answer (src/check/ judges it).

pub mod given;
pub mod numeric;
pub mod three_way;
