//! Run-time AVX2 dispatch, written once.
//!
//! Why: the x86-64 baseline is SSE2, so the release build's loops run four f32 wide. The
//! hot loops that profit from eight (the compressor's and limiter's stage loops, the
//! true-peak detector's phase accumulators, the reverb's 16-sample rows, the EQ's paired
//! chains) are compiled a second time with AVX2 enabled, and each processor picks a build
//! once, at construction ([`has_avx2`]), then on every call with a flag test.
//!
//! Without FMA: a fused multiply-add rounds once where the baseline rounds twice, so an FMA
//! build would compute different values. With AVX2 alone both builds compute exactly the
//! same values, the output does not depend on the machine, and tests compare the builds bit
//! for bit (`without_avx2` in each processor's tests).

/// Whether this CPU runs the AVX2 builds (always `false` off x86-64). Checked once per
/// processor, at construction; the result goes in a flag that `avx2_dispatch!` tests.
#[inline]
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The one AVX2 dispatch of the crate, in two forms.
///
/// **A method and its AVX2 build**, inside an `impl` block: the dispatching method `name`,
/// which runs `self.body(args)` compiled with AVX2 (through the generated method `twin`)
/// when `self.flag` is set, and as the baseline build otherwise. `body` should be
/// `#[inline(always)]`, so that all of it is compiled for each build. In tests,
/// `without_avx2(self)` clears the flag, so that the two builds can be compared.
///
/// ```text
/// avx2_dispatch! {
///     /// Docs of the dispatcher.
///     fn run_chunk(&mut self, x: &mut Chunk, n: usize) = process_chunk;
///     /// Docs of the AVX2 build (why it pays, what it computes).
///     avx2 if self.avx2: fn process_chunk_avx2;
/// }
/// ```
///
/// **An expression**: `avx2_dispatch!(if flag => unsafe_avx2_call, else fallback)` evaluates
/// `unsafe_avx2_call` (typically a call to a `#[target_feature(enable = "avx2")]` function)
/// in an `unsafe` block when `flag` holds on x86-64, else `fallback`. Off x86-64 the AVX2
/// arm is not compiled at all.
///
/// Safety: `flag` must be true only where [`has_avx2`] returned true.
macro_rules! avx2_dispatch {
    (
        $(#[$outer:meta])*
        $vis:vis fn $name:ident(&mut self $(, $arg:ident: $ty:ty)* $(,)?) $(-> $ret:ty)?
            = $body:ident;
        $(#[$inner:meta])*
        avx2 if self.$flag:ident: fn $twin:ident;
    ) => {
        $(#[$outer])*
        $vis fn $name(&mut self $(, $arg: $ty)*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            if self.$flag {
                // SAFETY: the flag is set only where the CPU reports AVX2
                // (`kernel::simd::has_avx2`).
                return unsafe { self.$twin($($arg),*) };
            }
            // Off x86-64 the flag is always false; reading it keeps one struct on every CPU.
            #[cfg(not(target_arch = "x86_64"))]
            let _ = self.$flag;
            self.$body($($arg),*)
        }

        $(#[$inner])*
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        fn $twin(&mut self $(, $arg: $ty)*) $(-> $ret)? {
            self.$body($($arg),*)
        }

        /// Runs the baseline build even on an AVX2 CPU (to compare the two builds).
        #[cfg(test)]
        pub(crate) fn without_avx2(mut self) -> Self {
            self.$flag = false;
            self
        }
    };
    (if $flag:expr => $avx2:expr, else $fallback:expr $(,)?) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if $flag {
                // SAFETY: the flag holds only where the CPU reports AVX2
                // (`kernel::simd::has_avx2`).
                unsafe { $avx2 }
            } else {
                $fallback
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = $flag;
            $fallback
        }
    }};
}
pub(crate) use avx2_dispatch;
