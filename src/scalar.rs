//! The float types the hand-written twin and its matrix products run in: `f32` and `f64`.
//! Below both `manual/` and `matmul.rs`.

/// The float types the hand-written twin runs in: `f32` and `f64`.
pub trait Scalar: ndarray::NdFloat + Default {
    fn of_f64(v: f64) -> Self;
    fn into_f64(self) -> f64;
}

impl Scalar for f32 {
    fn of_f64(v: f64) -> Self {
        v as f32
    }
    fn into_f64(self) -> f64 {
        self as f64
    }
}

impl Scalar for f64 {
    fn of_f64(v: f64) -> Self {
        v
    }
    fn into_f64(self) -> f64 {
        self
    }
}
