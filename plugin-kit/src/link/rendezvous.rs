//! One registry per process, whichever libraries it is loaded from.
//!
//! Every Mixwerk bundle is a library of its own (the Strip's CLAP and VST3 bundles are two
//! copies of one), and a library's statics are its own: without this, Strips of the two
//! formats in one host would make two consoles. So the first library to link an instance
//! *establishes* its registry, and every other Mixwerk library uses that one: on its first
//! join (main thread) it walks the libraries loaded in the process (`loaded`: the dynamic
//! loader's list on Linux, dyld's images on macOS, the process's modules on Windows), asks
//! each for [`SYMBOL`], and calls it with its [`fingerprint`]. A library answers with the
//! registry it uses, if it has one and the fingerprint is its own: the same build of this
//! crate, so the same layout of everything the registry holds. Otherwise (another version of
//! Mixwerk, or none loaded yet) the library uses its own registry.
//!
//! **Lifetimes.** Members hold code of the library that made them (their parameters' drop
//! and `Any` vtables, their host context), and the registry lives in the library that
//! established it; a view in one library may keep another's members for a while. So a
//! library that links any instance pins itself in the process (`RTLD_NODELETE`): it stays
//! loaded until the process ends, as most hosts keep plugin libraries anyway (`RTLD_NODELETE`
//! on Linux and macOS, `GET_MODULE_HANDLE_EX_FLAG_PIN` on Windows).
//!
//! **Threads.** Resolving happens once, on a main or GUI thread, under a lock of this
//! library; hosts create plugin instances on their main thread, so two libraries never
//! resolve at once. Audio threads only load the resolved pointer ([`current`]).
//!
//! On other systems each library keeps its own registry.

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
    loaded::pin_this_library();
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

/// Another Mixwerk library's registry of this build, if one is in use.
fn other_librarys_registry() -> Option<&'static Registry> {
    let ours = mixwerk_link_rendezvous_v1 as *const c_void;
    let fingerprint = fingerprint();
    let answer = loaded::ask_each(|symbol| {
        if symbol == ours {
            return None;
        }
        // SAFETY: every library exporting SYMBOL exports it with this signature.
        let ask: extern "C" fn(u64) -> *const c_void = unsafe { std::mem::transmute(symbol) };
        let answer = ask(fingerprint);
        (!answer.is_null()).then_some(answer)
    })?;
    // SAFETY: a library answers only to its own fingerprint, so this is a `Registry` of this
    // build, a static of a library pinned in the process.
    Some(unsafe { &*answer.cast::<Registry>() })
}

/// The loaded libraries, system by system: each one's [`SYMBOL`], asked while a reference to
/// the library is held (so it cannot be unloaded meanwhile), and pinning this library.
#[cfg(any(target_os = "linux", target_vendor = "apple"))]
mod loaded {
    use std::ffi::{CStr, CString, c_void};

    use super::{SYMBOL, mixwerk_link_rendezvous_v1};

    /// The paths of the loaded objects, in the loader's order.
    #[cfg(target_os = "linux")]
    fn paths() -> Vec<CString> {
        use std::ffi::c_int;
        // The callback must not load or unload anything itself, so it only collects.
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
        names
    }

    /// The paths of dyld's images. An image unloaded while this runs gives a null name
    /// (skipped); one loaded meanwhile is not a Mixwerk library resolving (that happens on
    /// the main thread, under the caller's lock).
    #[cfg(target_vendor = "apple")]
    fn paths() -> Vec<CString> {
        // <mach-o/dyld.h>, in libSystem (libc's own declarations are deprecated in favour of
        // the mach2 crate, which is not otherwise in the tree).
        unsafe extern "C" {
            fn _dyld_image_count() -> u32;
            fn _dyld_get_image_name(image_index: u32) -> *const std::ffi::c_char;
        }
        // SAFETY: dyld's image list may be read from any thread; a name is valid while its
        // image is loaded, and copied at once.
        unsafe {
            (0.._dyld_image_count())
                .filter_map(|i| {
                    let name = _dyld_get_image_name(i);
                    (!name.is_null() && *name != 0).then(|| CStr::from_ptr(name).to_owned())
                })
                .collect()
        }
    }

    /// Calls `ask` with each other loaded library's [`SYMBOL`] until it answers.
    pub(super) fn ask_each(
        mut ask: impl FnMut(*const c_void) -> Option<*const c_void>,
    ) -> Option<*const c_void> {
        for path in paths() {
            // SAFETY: NOLOAD only returns a library already loaded, adding a reference that
            // keeps it loaded while it is asked, given back below.
            unsafe {
                let handle = libc::dlopen(path.as_ptr(), libc::RTLD_LAZY | libc::RTLD_NOLOAD);
                if handle.is_null() {
                    continue;
                }
                let symbol = libc::dlsym(handle, SYMBOL.as_ptr());
                let answer = if symbol.is_null() {
                    None
                } else {
                    ask(symbol.cast_const())
                };
                libc::dlclose(handle);
                if answer.is_some() {
                    return answer;
                }
            }
        }
        None
    }

    /// Keeps the library holding this code loaded until the process ends.
    pub(super) fn pin_this_library() {
        // SAFETY: dladdr fills `info` for an address in a loaded object; NOLOAD|NODELETE on
        // that object's own path marks it never to be unloaded (the reference is kept on
        // purpose).
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
}

#[cfg(windows)]
mod loaded {
    use std::ffi::c_void;

    use windows_sys::Win32::Foundation::{FreeLibrary, HMODULE};
    use windows_sys::Win32::System::LibraryLoader::{
        GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, GET_MODULE_HANDLE_EX_FLAG_PIN, GetModuleHandleExW,
        GetProcAddress,
    };
    use windows_sys::Win32::System::ProcessStatus::K32EnumProcessModules;
    use windows_sys::Win32::System::Threading::GetCurrentProcess;

    use super::{SYMBOL, mixwerk_link_rendezvous_v1};

    /// The process's modules. The handles are not references: each is taken again below
    /// before use, which fails for a module unloaded since.
    fn modules() -> Vec<HMODULE> {
        let mut modules: Vec<HMODULE> = Vec::new();
        loop {
            let capacity = modules.capacity().max(256);
            modules.resize(capacity, std::ptr::null_mut());
            let mut needed = 0u32;
            // SAFETY: the buffer holds `capacity` handles; the call writes at most that many
            // and says how many bytes all of them need.
            let ok = unsafe {
                K32EnumProcessModules(
                    GetCurrentProcess(),
                    modules.as_mut_ptr(),
                    (capacity * size_of::<HMODULE>()) as u32,
                    &mut needed,
                )
            };
            if ok == 0 {
                return Vec::new();
            }
            let count = needed as usize / size_of::<HMODULE>();
            if count <= capacity {
                modules.truncate(count);
                return modules;
            }
            modules.reserve(count - capacity + 16);
        }
    }

    /// Calls `ask` with each other loaded module's [`SYMBOL`] until it answers.
    pub(super) fn ask_each(
        mut ask: impl FnMut(*const c_void) -> Option<*const c_void>,
    ) -> Option<*const c_void> {
        for module in modules() {
            let mut held: HMODULE = std::ptr::null_mut();
            // SAFETY: a module's handle is its base address, inside the module: FROM_ADDRESS
            // takes a reference to the module still loaded there (or fails), given back below.
            unsafe {
                if GetModuleHandleExW(
                    GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                    module.cast_const().cast(),
                    &mut held,
                ) == 0
                {
                    continue;
                }
                let answer = GetProcAddress(held, SYMBOL.as_ptr().cast())
                    .and_then(|symbol| ask(symbol as *const c_void));
                FreeLibrary(held);
                if answer.is_some() {
                    return answer;
                }
            }
        }
        None
    }

    /// Keeps the module holding this code loaded until the process ends.
    pub(super) fn pin_this_library() {
        let mut module: HMODULE = std::ptr::null_mut();
        let here = mixwerk_link_rendezvous_v1 as *const c_void;
        // SAFETY: PIN marks the module containing `here` never to be unloaded.
        unsafe {
            GetModuleHandleExW(
                GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                here.cast(),
                &mut module,
            );
        }
    }
}

/// Elsewhere each library keeps its own registry.
#[cfg(not(any(target_os = "linux", target_vendor = "apple", windows)))]
mod loaded {
    use std::ffi::c_void;

    pub(super) fn ask_each(
        _ask: impl FnMut(*const c_void) -> Option<*const c_void>,
    ) -> Option<*const c_void> {
        None
    }

    pub(super) fn pin_this_library() {}
}
