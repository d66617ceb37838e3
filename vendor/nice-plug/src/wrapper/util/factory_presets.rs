//! Mixwerk (MIXWERK.md 11, 12): `Plugin::factory_presets()` as both wrappers call it.
//!
//! A plugin builds its preset list on the first call, which may take a deep stack (resolving
//! every preset against a fresh set of its parameters: the Channel Strip's alone are hundreds
//! of kilobytes). The wrappers need the list while an instance is made, and hosts make
//! instances on threads with small stacks (Ardour on its audio-engine thread, 256 KiB in
//! `tests/tests/small_stack.rs`). So the first call for each plugin type runs on a helper
//! thread with an ordinary 8 MiB stack, and the caller waits for it; later calls return the
//! list the plugin keeps.

use std::any::TypeId;
use std::sync::Mutex;

use nice_plug_core::plugin::{FactoryPreset, Plugin};

/// The stack the first call gets.
const STACK: usize = 8 << 20;

/// `P::factory_presets()`, the first call for `P` on a thread with an 8 MiB stack.
pub(crate) fn factory_presets<P: Plugin>() -> &'static [FactoryPreset] {
    static BUILT: Mutex<Vec<TypeId>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let id = TypeId::of::<P>();
    if built.contains(&id) {
        drop(built);
        return P::factory_presets();
    }
    // Holding the lock while building: a second instance made meanwhile waits for the list
    // instead of building it on its own (small) stack.
    let presets = std::thread::Builder::new()
        .name(String::from("factory presets"))
        .stack_size(STACK)
        .spawn(P::factory_presets)
        .ok()
        .and_then(|handle| handle.join().ok())
        // No thread to be had (or it panicked): build it here after all.
        .unwrap_or_else(P::factory_presets);
    built.push(id);
    presets
}
