//! The link's inspection entry points, C functions the bundle exports for the host tests
//! (`tests/tests/linked_strips.rs`): they read the registry and make the edits a console
//! view makes, through the same code, without drawing. A test loads the bundle through a
//! real host and then finds these in the same loaded library (so the same registry).
//! Call them on the host's main thread, as the editor would be.

use std::ffi::{CStr, c_char};

use std::sync::Mutex;

use nice_plug::prelude::Params;
use plugin_kit::link::{self, Member, Watch};

/// How many strips are linked in this library right now.
#[unsafe(no_mangle)]
pub extern "C" fn mixwerk_link_count() -> u32 {
    link::members().len() as u32
}

/// Opens (`on`) or closes a console watch, as an editor showing the console does: meters are
/// written while one is open. Returns the number of watches this function holds.
#[unsafe(no_mangle)]
pub extern "C" fn mixwerk_link_watch(on: bool) -> u32 {
    static WATCHES: std::sync::Mutex<Vec<Watch>> = std::sync::Mutex::new(Vec::new());
    let mut w = WATCHES.lock().unwrap_or_else(|p| p.into_inner());
    if on {
        w.push(Watch::new());
    } else {
        w.pop();
    }
    w.len() as u32
}

/// Member `index` (the console's order, [`link::members`]): its fader's current value in dB into `fader_db`, its meters
/// (peak left, peak right since the last read, RMS left, RMS right, linear; gate and
/// compressor gain reduction in dB) into `out[0..6]`, and its name as the console shows it
/// (NUL-terminated, cut to `name_len`) into `name`. Returns false for no such member.
///
/// # Safety
/// `out` must point to 6 writable floats, `fader_db` to one, `name` to `name_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mixwerk_link_member(
    index: u32,
    fader_db: *mut f32,
    out: *mut f32,
    name: *mut c_char,
    name_len: u32,
) -> bool {
    let members = link::members();
    let Some(m) = members.get(index as usize) else {
        return false;
    };
    let params = m.channel();
    let peaks = m.shared.levels.take_peaks();
    let rms = m.shared.levels.rms();
    let values = [
        peaks[0],
        peaks[1],
        rms[0],
        rms[1],
        m.shared.gate.take(),
        m.shared.compressor.take(),
    ];
    // SAFETY: the caller promises the sizes.
    unsafe {
        *fader_db = params.strip().fader.value();
        std::ptr::copy_nonoverlapping(values.as_ptr(), out, values.len());
        if name_len > 0 {
            let title = link::display_name(&m.track(), index as usize, m.channel());
            let bytes = title.as_bytes();
            let n = bytes.len().min(name_len as usize - 1);
            std::ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), name, n);
            *name.add(n) = 0;
        }
    }
    true
}

/// A snapshot of the members kept by [`mixwerk_link_hold`], as an open console keeps one
/// between frames.
static HELD: Mutex<Option<Vec<Member>>> = Mutex::new(None);

/// Member `index`'s track colour as the host gave it (0xRRGGBBAA) into `rgba`, and its place
/// in the host's mixer (kind order, index) into `place`. Returns 0 for no such member, 1 for
/// no place given, 2 with a place.
///
/// # Safety
/// `rgba` must point to one writable `u32`, `place` to two `i64`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mixwerk_link_track(index: u32, rgba: *mut u32, place: *mut i64) -> u32 {
    let members = link::members();
    let Some(m) = members.get(index as usize) else {
        return 0;
    };
    let track = m.track();
    let (r, g, b, a) = track.color().map_or((0, 0, 0, 0), |c| c.rgba());
    // SAFETY: the caller promises the sizes.
    unsafe {
        *rgba = u32::from_be_bytes([r, g, b, a]);
        match track.position() {
            Some(p) => {
                *place = p.kind_order;
                *place.add(1) = p.index;
                2
            }
            None => 1,
        }
    }
}

/// Keeps (`on`) or drops the current members snapshot: while one is kept,
/// [`mixwerk_link_edit`] edits through it, as a console does with what it drew, even after a
/// member's instance is gone. Returns the snapshot's length.
#[unsafe(no_mangle)]
pub extern "C" fn mixwerk_link_hold(on: bool) -> u32 {
    let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
    *held = on.then(link::members);
    held.as_ref().map_or(0, |m| m.len() as u32)
}

/// Sets parameter `id` (its stable id, e.g. "fader") of member `index` to `normalized`,
/// as a console column does: begin, value, end, through that member's own host context.
/// Returns false for no such member, no context yet or no such parameter, and whether the
/// member's instance still exists otherwise (a gone one's context does nothing).
///
/// # Safety
/// `id` must be a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mixwerk_link_edit(index: u32, id: *const c_char, normalized: f32) -> bool {
    // SAFETY: the caller promises a C string.
    let Ok(id) = (unsafe { CStr::from_ptr(id) }).to_str() else {
        return false;
    };
    let held = HELD.lock().unwrap_or_else(|p| p.into_inner());
    let members = held.clone().unwrap_or_else(link::members);
    drop(held);
    let Some(m) = members.get(index as usize) else {
        return false;
    };
    let Some(context) = m.context.as_ref() else {
        return false;
    };
    let params = m.channel().strip();
    let Some((_, ptr, _)) = params.param_map().into_iter().find(|(pid, _, _)| pid == id) else {
        return false;
    };
    // SAFETY: `ptr` points into `params`, which the member keeps alive; the context is that
    // member's own (a gone instance's does nothing).
    unsafe {
        context.raw_begin_set_parameter(ptr);
        context.raw_set_parameter_normalized(ptr, normalized.clamp(0.0, 1.0));
        context.raw_end_set_parameter(ptr);
    }
    context.is_alive()
}
