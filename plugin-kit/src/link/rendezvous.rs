//! One registry per process, whichever libraries it is loaded from.
//!
//! Every Mixwerk bundle is a library of its own (the Strip's CLAP and VST3 bundles are two
//! copies of one), and a library's statics are its own: without this, Strips of the two
//! formats in one host would make two consoles. So the first library to link an instance
//! *establishes* its registry, and every other Mixwerk library uses that one: on its first
//! join (main thread) it walks the libraries loaded in the process (`dl_iterate_phdr`), asks
//! each for [`SYMBOL`], and calls it with its [`fingerprint`]. A library answers with the
//! registry it uses, if it has one and the fingerprint is its own: the same build of this
//! crate, so the same layout of everything the registry holds. Otherwise (another version of
//! Mixwerk, or none loaded yet) the library uses its own registry.
//!
//! **Lifetimes.** Members hold code of the library that made them (their parameters' drop
//! and `Any` vtables, their host context), and the registry lives in the library that
//! established it; a view in one library may keep another's members for a while. So a
//! library that links any instance pins itself in the process (`RTLD_NODELETE`): it stays
//! loaded until the process ends, as most hosts keep plugin libraries anyway.
//!
//! **Threads.** Resolving happens once, on a main or GUI thread, under a lock of this
//! library; hosts create plugin instances on their main thread, so two libraries never
//! resolve at once. Audio threads only load the resolved pointer ([`current`]).
//!
//! Elsewhere than Linux each library keeps its own registry (not implemented there yet).

use std::any::TypeId;
use std::ffi::c_void;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, Ordering};

use super::{Member, REGISTRY, Registry, Shared};

/// The C symbol every Mixwerk library exports ([`mixwerk_link_rendezvous_v1`]).
pub const SYMBOL: &std::ffi::CStr = c"mixwerk_link_rendezvous_v1";

/// The registry this library uses once resolved (null until then).
static ACTIVE: AtomicPtr<Registry> = AtomicPtr::new(std::ptr::null_mut());

/// What two libraries must share to use one registry: this crate's build (its types'
/// identities change with the compiler, the crate's version, features and dependencies) and
/// the registry's shape.
pub fn fingerprint() -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    (
        TypeId::of::<Registry>(),
        TypeId::of::<Member>(),
        TypeId::of::<Shared>(),
        1u32,
    )
        .hash(&mut h);
    h.finish()
}

/// The registry in use: the resolved one, else this library's own. Any thread (one atomic
/// load).
pub(super) fn current() -> &'static Registry {
    let p = ACTIVE.load(Ordering::Acquire);
    if p.is_null() {
        &REGISTRY
    } else {
        // SAFETY: only ever set to a registry that lives as long as the process (a static of
        // a library pinned in it).
        unsafe { &*p }
    }
}

/// Resolves the process's registry once (main or GUI thread; allocates) and returns it.
pub(super) fn resolve() -> &'static Registry {
    static RESOLVING: Mutex<()> = Mutex::new(());
    let _lock = RESOLVING.lock().unwrap_or_else(|p| p.into_inner());
    if !ACTIVE.load(Ordering::Acquire).is_null() {
        return current();
    }
    pin_this_library();
    let found = other_librarys_registry().unwrap_or(&REGISTRY);
    ACTIVE.store((found as *const Registry).cast_mut(), Ordering::Release);
    found
}

/// Another library's answer: the registry it uses, if it uses one and `fingerprint` is this
/// library's. Exported under [`SYMBOL`] by every plugin library.
///
/// # Safety
/// Called by another Mixwerk library through `dlsym`; it reads the result as a `Registry`
/// only if the fingerprints matched.
#[unsafe(no_mangle)]
pub extern "C" fn mixwerk_link_rendezvous_v1(fingerprint: u64) -> *const c_void {
    let p = ACTIVE.load(Ordering::Acquire);
    if p.is_null() || fingerprint != self::fingerprint() {
        std::ptr::null()
    } else {
        p.cast_const().cast()
    }
}

#[cfg(target_os = "linux")]
fn other_librarys_registry() -> Option<&'static Registry> {
    use std::ffi::{CStr, CString, c_int};

    // The loaded objects' paths (the callback must not load or unload anything itself).
    unsafe extern "C" fn each(
        info: *mut libc::dl_phdr_info,
        _size: usize,
        data: *mut c_void,
    ) -> c_int {
        // SAFETY: `data` is the Vec below; `info` and its name are valid during the call.
        unsafe {
            let names = &mut *data.cast::<Vec<CString>>();
            let name = (*info).dlpi_name;
            if !name.is_null() && *name != 0 {
                names.push(CStr::from_ptr(name).to_owned());
            }
        }
        0
    }
    let mut names: Vec<CString> = Vec::new();
    // SAFETY: the callback only reads what it is given and pushes to `names`.
    unsafe { libc::dl_iterate_phdr(Some(each), (&raw mut names).cast()) };

    let ours = mixwerk_link_rendezvous_v1 as *const c_void;
    let fingerprint = fingerprint();
    for name in names {
        // SAFETY: NOLOAD only returns a library already loaded (adding a reference, given
        // back below); its answer is read as a registry only if the fingerprints matched.
        unsafe {
            let handle = libc::dlopen(name.as_ptr(), libc::RTLD_LAZY | libc::RTLD_NOLOAD);
            if handle.is_null() {
                continue;
            }
            let symbol = libc::dlsym(handle, SYMBOL.as_ptr());
            let answer = if symbol.is_null() || symbol.cast_const() == ours {
                std::ptr::null()
            } else {
                let ask: extern "C" fn(u64) -> *const c_void = std::mem::transmute(symbol);
                ask(fingerprint)
            };
            libc::dlclose(handle);
            if !answer.is_null() {
                return Some(&*answer.cast::<Registry>());
            }
        }
    }
    None
}

#[cfg(not(target_os = "linux"))]
fn other_librarys_registry() -> Option<&'static Registry> {
    None
}

/// Keeps the library holding this code loaded until the process ends (see the module docs).
#[cfg(target_os = "linux")]
fn pin_this_library() {
    // SAFETY: dladdr fills `info` for an address in a loaded object; NOLOAD|NODELETE on that
    // object's own path marks it never to be unloaded (the reference is kept on purpose).
    unsafe {
        let mut info: libc::Dl_info = std::mem::zeroed();
        let here = mixwerk_link_rendezvous_v1 as *const c_void;
        if libc::dladdr(here, &mut info) != 0 && !info.dli_fname.is_null() {
            libc::dlopen(
                info.dli_fname,
                libc::RTLD_LAZY | libc::RTLD_NOLOAD | libc::RTLD_NODELETE,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn pin_this_library() {}
