//! Crashes of Ardour in `cargo xtask daw-test`: how a run ended, the crashing thread's
//! backtrace from a core dump, and whether the crash was Ardour's own (worth a retry).

use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

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
    if err.contains(HUNG) {
        return ardour_side_hang(err);
    }
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

/// What [`wait_or_kill`] writes about a process it had to kill.
const HUNG: &str = "(HUNG)";

/// Waits for `child` at most `limit`; past it, takes every thread's backtrace (gdb,
/// attached) and kills it. Returns the exit status, and for a hang what was seen.
pub(super) fn wait_or_kill(
    child: &mut Child,
    limit: Duration,
) -> std::io::Result<(ExitStatus, Option<String>)> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((status, None));
        }
        if start.elapsed() > limit {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let stacks = Command::new("gdb")
        .args([
            "-p",
            &child.id().to_string(),
            "-batch",
            "-ex",
            "thread apply all bt 30",
        ])
        .output()
        .map(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| l.starts_with("Thread ") || l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_else(|_| "(install gdb for the threads' backtraces)".to_owned());
    child.kill()?;
    let status = child.wait()?;
    Ok((
        status,
        Some(format!(
            "\n{HUNG}: still running after {} s, killed; every thread (gdb, attached):\n{stacks}",
            limit.as_secs()
        )),
    ))
}

/// Why a hung run is Ardour's own hang and worth running again, or None: yes when no thread
/// of Ardour's is in a Mixwerk frame. Threads the plugin started itself (their outermost
/// frame is in its library: the background worker, waiting for work) do not count; the
/// plugin's code on any other thread (a host call that never returned) does, and then the
/// run fails. Without backtraces nothing can be told, and it fails too.
fn ardour_side_hang(err: &str) -> Option<String> {
    let mut threads: Vec<Vec<&str>> = Vec::new();
    for line in err.lines().map(str::trim) {
        if line.starts_with("Thread ") {
            threads.push(Vec::new());
        } else if line.starts_with('#') {
            threads.last_mut()?.push(line);
        }
    }
    let ours = |f: &&str| f.contains(".vst3") || f.contains("Mixwerk");
    let started_by_us = |t: &[&str]| {
        t.iter()
            .rev()
            .find(|f| !f.contains("clone") && !f.contains("start_thread"))
            .is_some_and(ours)
    };
    if threads.is_empty()
        || threads
            .iter()
            .any(|t| !started_by_us(t) && t.iter().any(ours))
    {
        return None;
    }
    let in_allocator = threads.iter().find(|t| {
        t.iter()
            .any(|f| f.contains("lll_lock_wait") || is_allocator(f))
    });
    Some(match in_allocator {
        Some(t) => format!(
            "Ardour hung in glibc's allocator, freeing for {}",
            t.iter()
                .skip_while(|f| !is_allocator(f))
                .find(|f| !is_allocator(f))
                .map_or_else(String::new, |f| short(f))
        ),
        None => "Ardour hung, no plugin code on its threads".to_owned(),
    })
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

/// The signal that ended a process (never one off Unix, where Ardour's tests do not run but
/// the xtask still builds bundles).
pub(super) fn signal(status: std::process::ExitStatus) -> Option<i32> {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.signal()
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        None
    }
}

pub(super) fn describe(status: std::process::ExitStatus) -> String {
    match signal(status) {
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

    /// A hang with Ardour's export stuck in glibc's allocator and only the plugin's own
    /// worker thread in its library (seen in CI: Compressor churn at 96 kHz) is retried; the
    /// same hang with the plugin's code on Ardour's process thread is not, nor is one without
    /// backtraces.
    #[test]
    fn a_hang_is_retried_only_without_plugin_code_on_ardours_threads() {
        let worker = r#"
Thread 14 (Thread 0x7f0cdf7fe6c0 (LWP 26662) "bg-worker"):
#0  syscall () at ../sysdeps/unix/sysv/linux/x86_64/syscall.S:38
#1  0x00007f0cedb56fd7 in std::thread::functions::park () from /x/.vst3/Mixwerk Compressor.vst3/Contents/x86_64-linux/Mixwerk Compressor.so
#5  0x00007f0ced68a74b in nice_plug::event_loop::background_thread::worker_thread () from /x/.vst3/Mixwerk Compressor.vst3/Contents/x86_64-linux/Mixwerk Compressor.so
#8  0x00007f0cedb5abdf in <std::sys::thread::unix::Thread>::new::thread_start () from /x/.vst3/Mixwerk Compressor.vst3/Contents/x86_64-linux/Mixwerk Compressor.so
#9  0x00007f0d172a71f5 in start_thread (arg=<optimized out>) at ./nptl/pthread_create.c:442
#10 0x00007f0d173278ec in clone3 () at ../sysdeps/unix/sysv/linux/x86_64/clone3.S:81"#;
        let engine = r#"
Thread 8 (Thread 0x7f0d00f35bc0 (LWP 26654) "audioengine"):
#0  futex_wait (private=0, expected=2, futex_word=0x5592880b9730) at ../sysdeps/nptl/futex-internal.h:146
#1  __GI___lll_lock_wait_private (futex=futex@entry=0x5592880b9730) at ./nptl/lowlevellock.c:34
#2  0x00007f0d172b497d in _int_free (av=0x5592880b9730, p=0x55928a5986f0, have_lock=have_lock@entry=0) at ./malloc/malloc.c:4572
#3  0x00007f0d172b6f5f in __GI___libc_free (mem=<optimized out>) at ./malloc/malloc.c:3385
#4  0x00007f0d17e848a6 in std::__cxx11::_List_base<boost::shared_ptr<AudioGrapher::Sink<float> > >::_M_clear() () from /usr/lib/ardour7/libardour.so.3
#5  0x00007f0d17fc6c3a in boost::detail::sp_counted_impl_p<ARDOUR::ExportGraphBuilder::AnyExport>::dispose() () from /usr/lib/ardour7/libardour.so.3"#;
        let rt_in_plugin = r#"
Thread 9 (Thread 0x7f0d00bb0bc0 (LWP 26655) "RT-main-(nil)"):
#0  syscall () at ../sysdeps/unix/sysv/linux/x86_64/syscall.S:38
#1  0x00007f0ced6bdd7e in shared_dsp::dynamics::compressor::Compressor::process () from /x/.vst3/Mixwerk Compressor.vst3/Contents/x86_64-linux/Mixwerk Compressor.so
#2  0x00007f0d180149e8 in ARDOUR::Graph::main_thread() () from /usr/lib/ardour7/libardour.so.3
#4  0x00007f0d172a71f5 in start_thread (arg=<optimized out>) at ./nptl/pthread_create.c:442"#;
        let head = "churn.lua killed by signal 9; Ardour's log:\n(HUNG): still running after 180 s, killed; every thread (gdb, attached):";
        let why = ardour_side_crash(&format!("{head}{worker}{engine}")).expect("retried");
        assert!(
            why.contains("allocator") && why.contains("dispose"),
            "{why}"
        );
        assert_eq!(
            ardour_side_crash(&format!("{head}{worker}{engine}{rt_in_plugin}")),
            None
        );
        assert_eq!(ardour_side_crash(head), None);
    }

    /// A process past its time is looked at and killed, and says so; one that ends in time
    /// is waited for.
    #[test]
    fn a_process_past_its_time_is_killed() {
        let mut quick = Command::new("true").spawn().expect("true");
        let (status, hang) = wait_or_kill(&mut quick, Duration::from_secs(10)).expect("wait");
        assert!(status.success() && hang.is_none());

        let started = Instant::now();
        let mut stuck = Command::new("sleep").arg("60").spawn().expect("sleep");
        let (status, hang) = wait_or_kill(&mut stuck, Duration::from_millis(300)).expect("wait");
        assert!(!status.success());
        assert!(hang.expect("a hang").contains(HUNG));
        assert!(started.elapsed() < Duration::from_secs(30));
    }
}
