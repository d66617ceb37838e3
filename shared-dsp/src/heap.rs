//! Large values built directly on the heap.
//!
//! Hosts construct, activate and process plugins on threads with small stacks (Ardour
//! (re)activates on its audio-engine thread; 256 KiB is a size seen in the wild), and
//! `Box::new(value)` builds `value` on the stack first: a `Box::new([ChannelStrip; 8])`
//! needed 240 kB of stack before the box existed. These helpers build each element in
//! place on the heap, so a constructor's frame holds one element at a time.

/// `[f(0), f(1), …, f(N − 1)]` in a box, built one element at a time on the heap.
pub fn boxed_array<T, const N: usize>(f: impl FnMut(usize) -> T) -> Box<[T; N]> {
    let v: Vec<T> = (0..N).map(f).collect();
    match v.into_boxed_slice().try_into() {
        Ok(array) => array,
        // `v` has exactly N elements by construction.
        Err(_) => unreachable!("boxed_array: length is N"),
    }
}

/// A zeroed `T` on the heap, for plain sample buffers (arrays of `f32`/`f64`, and structs
/// of them) too large for a constructor's stack frame.
pub fn boxed_zeroed<T: Zeroable>() -> Box<T> {
    // SAFETY: `Zeroable` is only implemented for types whose all-zero bit pattern is a
    // valid value (0.0 for every float), see below.
    unsafe { Box::<T>::new_zeroed().assume_init() }
}

/// Types whose all-zero bit pattern is a valid value.
///
/// # Safety
/// Implement only for types made of floats and integers (and arrays and structs of them),
/// with no references, pointers, enums or `bool`s.
pub unsafe trait Zeroable {}

// SAFETY: zero bits are 0.0.
unsafe impl Zeroable for f32 {}
// SAFETY: zero bits are 0.0.
unsafe impl Zeroable for f64 {}
// SAFETY: an array of zeroable values is zeroable.
unsafe impl<T: Zeroable, const N: usize> Zeroable for [T; N] {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_are_built_in_order_and_zeroed_buffers_are_zero() {
        let a: Box<[usize; 5]> = boxed_array(|i| i * i);
        assert_eq!(*a, [0, 1, 4, 9, 16]);
        let z: Box<[[f32; 3]; 2]> = boxed_zeroed();
        assert_eq!(*z, [[0.0; 3]; 2]);
    }
}
