//! One turn of a host's main loop, for waits on work a plugin hands to its main thread.
//!
//! On Windows nice-plug's VST3 instances post such work (a program change arriving in
//! `process`, for one) as a message to a hidden window of the thread that made them, and a DAW's
//! message loop delivers it; a test thread waiting for the result must deliver its messages as
//! that loop does. Elsewhere nice-plug runs that work on a thread of its own, and a turn does
//! nothing.

/// Delivers the messages waiting for this thread's windows (none off Windows).
pub fn turn() {
    #[cfg(windows)]
    {
        use windows_sys::Win32::UI::WindowsAndMessaging::{
            DispatchMessageW, MSG, PM_REMOVE, PeekMessageW, TranslateMessage,
        };
        // SAFETY: `msg` is written by PeekMessageW before it is read; a null window means
        // every window of this thread.
        unsafe {
            let mut msg: MSG = std::mem::zeroed();
            while PeekMessageW(&mut msg, std::ptr::null_mut(), 0, 0, PM_REMOVE) != 0 {
                TranslateMessage(&msg);
                DispatchMessageW(&msg);
            }
        }
    }
}
