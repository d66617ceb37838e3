//! This thread's CPU time: what a plugin costs, whatever else the machine is doing (the
//! benchmark's x real time, the denormal test's cost comparison).

/// Seconds of CPU this thread has used (`CLOCK_THREAD_CPUTIME_ID` on Unix, `GetThreadTimes`
/// on Windows, in 100 ns units); `None` where the system does not say.
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
    #[cfg(windows)]
    {
        use windows_sys::Win32::Foundation::FILETIME;
        use windows_sys::Win32::System::Threading::{GetCurrentThread, GetThreadTimes};
        let zero = FILETIME {
            dwLowDateTime: 0,
            dwHighDateTime: 0,
        };
        let [mut created, mut exited, mut kernel, mut user] = [zero; 4];
        // SAFETY: four valid, writable FILETIMEs; the pseudo handle is this thread.
        let ok = unsafe {
            GetThreadTimes(
                GetCurrentThread(),
                &mut created,
                &mut exited,
                &mut kernel,
                &mut user,
            )
        } != 0;
        let seconds = |t: FILETIME| {
            (u64::from(t.dwHighDateTime) << 32 | u64::from(t.dwLowDateTime)) as f64 * 1e-7
        };
        ok.then(|| seconds(kernel) + seconds(user))
    }
    #[cfg(not(any(unix, windows)))]
    {
        None
    }
}
