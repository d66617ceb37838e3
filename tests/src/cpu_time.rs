//! This thread's CPU time: what a plugin costs, whatever else the machine is doing (the
//! benchmark's x real time, the denormal test's cost comparison).

/// Seconds of CPU this thread has used (`CLOCK_THREAD_CPUTIME_ID`, nanosecond resolution);
/// `None` off Unix. (Windows' `GetThreadTimes` advances only by whole clock ticks of about
/// 15.6 ms, longer than most of the runs measured here.)
pub fn thread_seconds() -> Option<f64> {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec.
        let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
        ok.then_some(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// This thread's CPU seconds where the system gives them ([`thread_seconds`]), else the
/// seconds of wall time since the first call (precise, but counting whatever else runs).
pub fn seconds() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    thread_seconds().unwrap_or_else(|| {
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs_f64()
    })
}
