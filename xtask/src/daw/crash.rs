//! Crashes of Ardour in `cargo xtask daw-test`: how a run ended, the crashing thread's
//! backtrace from a core dump, and whether the crash was Ardour's own (worth a retry).

use std::path::Path;
use std::process::Command;

/// The binary behind the `ardour7-lua` wrapper script, for reading its core dumps.
const LUASESSION: &str = "/usr/lib/ardour7/luasession";

/// Why a failed run is Ardour's own crash and worth running again, or None. Yes when the
/// crashing thread's backtrace (from the core dump) has no frame in a Mixwerk bundle. Without
/// a backtrace (no gdb, or the kernel sends cores elsewhere): when glibc aborted on a
/// corrupted heap, or the crash came after the export was complete (both seen with no plugin
/// loaded: 2 sessions in 10 on this machine). A plugin's crash before or during its
/// processing (e.g. the Channel Strip's stack overflow in `activate`) has its own frames on
/// the stack, or comes before the export, and is never retried.
pub(super) fn ardour_side_crash(err: &str) -> Option<String> {
    if !err.contains("(SIGSEGV)") && !err.contains("(SIGABRT)") {
        return None;
    }
    let frames: Vec<&str> = err
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('#'))
        .collect();
    let ours = |f: &&str| f.contains(".vst3") || f.contains("Mixwerk");
    if !frames.is_empty() {
        if let Some(first_ours) = frames.iter().position(ours) {
            // glibc found the heap corrupted while our code freed or allocated memory: it
            // aborted with its message, or crashed walking its own corrupted lists (SIGSEGV
            // inside `unlink_chunk`, seen once in `calloc` from the Limiter's activation after
            // Ardour had crashed in `lua_newuserdata` on the attempt before). Either way the
            // corruption was made earlier by whoever wrote past a block, and Ardour's export
            // does that with no plugin loaded. Retried, naming the frame; a plugin that
            // corrupted the heap itself would do it on every attempt, and the run fails after
            // the last one (and valgrind's memcheck in `cargo xtask validate` runs every
            // plugin on its own, where nothing else can).
            let in_allocator =
                first_ours > 0 && frames[..first_ours].iter().all(|f| is_allocator(f));
            let detected = in_allocator
                && (err.contains("(SIGSEGV)")
                    || (err.contains("(SIGABRT)") && HEAP.iter().any(|m| err.contains(*m))));
            let caller = frames[first_ours..]
                .iter()
                .find(|f| !is_allocator(f))
                .unwrap_or(&frames[first_ours]);
            return detected.then(|| {
                format!(
                    "glibc found the heap corrupted while {} allocated or freed memory",
                    short(caller)
                )
            });
        }
        // The first frame outside libc's abort path names the culprit.
        let culprit = frames
            .iter()
            .find(|f| !is_allocator(f))
            .unwrap_or(&frames[0]);
        return Some(short(culprit));
    }
    if let Some(m) = HEAP.iter().find(|m| err.contains(*m)) {
        return Some(format!("glibc: \"{m}…\", no backtrace"));
    }
    err.lines()
        .any(|l| l.trim_start().starts_with("EXPORT "))
        .then(|| "after the export was complete, no backtrace".to_owned())
}

/// glibc's messages when it aborts on a corrupted heap.
const HEAP: [&str; 5] = [
    "double free",
    "corrupted ",
    "free(): ",
    "malloc(): ",
    "munmap_chunk(): ",
];

/// A frame of libc's abort path or of the allocator (or a destructor's free loop).
fn is_allocator(frame: &str) -> bool {
    [
        "pthread_kill",
        "raise",
        "abort",
        "libc_message",
        "malloc",
        "free",
        "_int_",
        "arena",
        "unlink_chunk",
        "_M_clear",
        "operator new",
        "drop_in_place",
        "dealloc",
    ]
    .iter()
    .any(|n| frame.contains(n))
}

/// A frame's function, shortened for a message.
fn short(frame: &str) -> String {
    frame
        .split(" in ")
        .nth(1)
        .unwrap_or(frame)
        .chars()
        .take(120)
        .collect()
}

/// The crashing thread's frames from a core file in `dir` (which is then deleted: a core of
/// Ardour is a few hundred MB), or nothing.
pub(super) fn backtrace(dir: &Path) -> String {
    let Some(core) = std::fs::read_dir(dir).ok().and_then(|entries| {
        entries.filter_map(|e| e.ok().map(|e| e.path())).find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("core"))
        })
    }) else {
        return String::new();
    };
    let out = Command::new("gdb")
        .args(["-batch", "-ex", "bt 16", "-ex", "x/i $pc", LUASESSION])
        .arg(&core)
        .output();
    let _ = std::fs::remove_file(&core);
    match out {
        Ok(out) => {
            let frames: Vec<&str> = std::str::from_utf8(&out.stdout)
                .unwrap_or_default()
                .lines()
                .filter(|l| l.starts_with('#') || l.starts_with("=>"))
                .collect();
            format!(
                "\nbacktrace of the crashing thread (gdb, core dump):\n{}",
                frames.join("\n")
            )
        }
        Err(_) => "\n(a core dump was written; install gdb for its backtrace)".to_owned(),
    }
}

pub(super) fn describe(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(11) => "crashed (SIGSEGV)".to_owned(),
        Some(6) => "aborted (SIGABRT)".to_owned(),
        Some(sig) => format!("killed by signal {sig}"),
        None => format!("failed ({status})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Heap corruption found by glibc under our frames is retried, whether it aborted or
    /// crashed in its lists; a crash in our own code never is.
    #[test]
    fn heap_corruption_under_our_frames_is_retried_our_own_crash_is_not() {
        let crashed_in_calloc = "state_save.lua crashed (SIGSEGV)
    #0  0x00007f3557eb306f in unlink_chunk (p=p@entry=0x5616d9c83030) at ./malloc/malloc.c:1622
    #1  0x00007f3557eb5e8d in _int_malloc (av=av@entry=0x7f3557ff1c60) at ./malloc/malloc.c:4303
    #2  0x00007f3557eb77b2 in __libc_calloc (n=<optimized out>) at ./malloc/malloc.c:3674
    #3  0x00007f350f2db8d6 in shared_dsp::dynamics::moving_average::MovingAverage::new () from /x/Mixwerk Limiter.vst3/Contents/x86_64-linux/Mixwerk Limiter.so
    #4  0x00007f3559231 in Steinberg::VST3PI::activate() () from /usr/lib/ardour7/libardour.so.3";
        let why = ardour_side_crash(crashed_in_calloc).expect("retried");
        assert!(why.contains("MovingAverage::new"), "{why}");

        let our_own = "state_save.lua crashed (SIGSEGV)
    #0  0x00007f350f2db8d6 in shared_dsp::strip::Console::activate () from /x/Mixwerk Channel Strip.vst3/Contents/x86_64-linux/Mixwerk Channel Strip.so
    #1  0x00007f3559231 in Steinberg::VST3PI::activate() () from /usr/lib/ardour7/libardour.so.3";
        assert_eq!(ardour_side_crash(our_own), None);

        let ardours = "automate.lua crashed (SIGSEGV)
    #0  0x00007f35 in lua_newuserdata () from /usr/lib/ardour7/libardour.so.3";
        assert!(ardour_side_crash(ardours).is_some());
    }
}
