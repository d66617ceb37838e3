//! A small VST3 host on the `vst3` crate's bindings (the same bindings nice-plug's wrapper is
//! built on): it loads `<Name>.vst3/Contents/<arch>-linux/<Name>.so` (`<arch>-win/<Name>.vst3` on
//! Windows), calls `ModuleEntry` (`InitDll`),
//! gets the factory, creates the component and its edit controller (one object or two,
//! connected), and drives them through the COM interfaces a DAW uses: bus arrangements,
//! `setupProcessing`, `setActive`, `setProcessing`, `process` with `IParameterChanges` points
//! inside the block and a `ProcessContext` with tempo and transport, `getState`/`setState`.
//!
//! Why the raw bindings rather than a hosting crate: no maintained VST3 hosting crate exists
//! on crates.io, and testing through the bare interfaces is the point — it is exactly what
//! Live, Reaper, Bitwig and Ardour call.

// The bindings' integer types (TChar, flag enums) differ between platforms, so casts that are
// no-ops on Linux are needed elsewhere.
#![allow(clippy::unnecessary_cast)]

use std::cell::RefCell;
use std::ffi::c_void;
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr::null_mut;
use std::sync::Mutex;

use vst3::Steinberg::Vst::{
    AudioBusBuffers, AudioBusBuffers__type0, BusDirections_, BusInfo, IAttributeList,
    IAttributeList_::AttrID, IAttributeListTrait, IAudioProcessor, IAudioProcessorTrait,
    IComponent, IComponentHandler, IComponentHandlerTrait, IComponentTrait, IConnectionPoint,
    IConnectionPointTrait, IEditController, IEditControllerTrait, IHostApplication,
    IHostApplicationTrait, IParamValueQueue, IParamValueQueueTrait, IParameterChanges,
    IParameterChangesTrait, IUnitInfo, IUnitInfoTrait, MediaTypes_, ParamID, ParamValue,
    ParameterInfo, ProcessContext, ProcessData, ProcessModes_, ProcessSetup, ProgramListInfo,
    SpeakerArrangement, String128, SymbolicSampleSizes_, TChar, UnitInfo,
};
use vst3::Steinberg::{
    FUnknown, IBStream, IBStreamTrait, IPluginBaseTrait, IPluginFactory, IPluginFactory2,
    IPluginFactory2Trait, IPluginFactoryTrait, PClassInfo, PClassInfo2, PFactoryInfo, TUID, int32,
    int64, kInvalidArgument, kNotImplemented, kResultFalse, kResultOk, tresult, uint32,
};
use vst3::{Class, ComPtr, ComWrapper, Interface};

pub use crate::host::{ParamChange, Result};

// ---------------------------------------------------------------------------------------------
// Module loading

/// A loaded `.vst3` bundle. Like a DAW, the harness keeps every module loaded for the life of
/// the process (see `crate::host::Bundle::load` for why unloading is not worth the risk).
#[derive(Clone)]
pub struct Module {
    factory: ComPtr<IPluginFactory>,
}

// SAFETY: the factory is a process-wide singleton of the plugin library; the tests call it from
// one thread at a time per instance, as hosts do from their main thread.
unsafe impl Send for Module {}

/// The shared library inside a bundle: `Contents/<arch>-linux/<Name>.so` (and the macOS /
/// Windows equivalents).
pub fn library_path(bundle: &Path) -> PathBuf {
    let stem = bundle
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let contents = bundle.join("Contents");
    if cfg!(target_os = "macos") {
        contents.join("MacOS").join(stem)
    } else if cfg!(target_os = "windows") {
        contents
            .join(format!("{}-win", std::env::consts::ARCH))
            .join(format!("{stem}.vst3"))
    } else {
        contents
            .join(format!("{}-linux", std::env::consts::ARCH))
            .join(format!("{stem}.so"))
    }
}

impl Module {
    pub fn load(library: &Path) -> Result<Self> {
        static LOADED: Mutex<Vec<(PathBuf, Module)>> = Mutex::new(Vec::new());
        let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, m)) = loaded.iter().find(|(p, _)| p == library) {
            return Ok(m.clone());
        }
        // SAFETY: our own bundles; their initialisers are nice-plug's.
        let lib = unsafe { libloading::Library::new(library) }
            .map_err(|e| format!("cannot load {}: {e}", library.display()))?;
        #[cfg(target_os = "linux")]
        unsafe {
            let entry: libloading::Symbol<unsafe extern "C" fn(*mut c_void) -> bool> = lib
                .get(b"ModuleEntry\0")
                .map_err(|e| format!("no ModuleEntry: {e}"))?;
            if !entry(null_mut()) {
                return Err("ModuleEntry returned false".into());
            }
        }
        #[cfg(windows)]
        unsafe {
            let entry: libloading::Symbol<unsafe extern "C" fn() -> bool> =
                lib.get(b"InitDll\0")
                    .map_err(|e| format!("no InitDll: {e}"))?;
            if !entry() {
                return Err("InitDll returned false".into());
            }
        }
        let get_factory: libloading::Symbol<unsafe extern "system" fn() -> *mut IPluginFactory> =
            unsafe { lib.get(b"GetPluginFactory\0") }
                .map_err(|e| format!("no GetPluginFactory: {e}"))?;
        let raw = unsafe { get_factory() };
        let factory = unsafe { ComPtr::from_raw(raw) }.ok_or("GetPluginFactory returned null")?;
        // The library stays loaded for the process's life: dropping `lib` would unload it.
        std::mem::forget(lib);
        let module = Module { factory };
        loaded.push((library.to_path_buf(), module.clone()));
        Ok(module)
    }

    pub fn factory_info(&self) -> Result<FactoryInfo> {
        let mut info: PFactoryInfo = unsafe { std::mem::zeroed() };
        check(
            unsafe { self.factory.getFactoryInfo(&mut info) },
            "getFactoryInfo",
        )?;
        Ok(FactoryInfo {
            vendor: c_chars(&info.vendor),
            url: c_chars(&info.url),
            email: c_chars(&info.email),
        })
    }

    pub fn classes(&self) -> Result<Vec<ClassInfo>> {
        let count = unsafe { self.factory.countClasses() };
        let factory2 = self.factory.cast::<IPluginFactory2>();
        let mut out = Vec::new();
        for i in 0..count {
            let mut info: PClassInfo = unsafe { std::mem::zeroed() };
            check(
                unsafe { self.factory.getClassInfo(i, &mut info) },
                "getClassInfo",
            )?;
            let mut class = ClassInfo {
                cid: info.cid.map(|b| b as u8),
                category: c_chars(&info.category),
                name: c_chars(&info.name),
                subcategories: String::new(),
                vendor: String::new(),
                version: String::new(),
            };
            if let Some(f2) = &factory2 {
                let mut info2: PClassInfo2 = unsafe { std::mem::zeroed() };
                check(unsafe { f2.getClassInfo2(i, &mut info2) }, "getClassInfo2")?;
                class.subcategories = c_chars(&info2.subCategories);
                class.vendor = c_chars(&info2.vendor);
                class.version = c_chars(&info2.version);
            }
            out.push(class);
        }
        Ok(out)
    }

    /// Creates the component of class `cid`, initialises it with our host context, finds or
    /// creates its edit controller, connects the two and installs our component handler.
    pub fn instantiate(&self, cid: &[u8; 16]) -> Result<Instance> {
        let host = ComWrapper::new(HostApplication);
        let host_unknown = host
            .to_com_ptr::<FUnknown>()
            .ok_or("host has no FUnknown")?;
        let component: ComPtr<IComponent> = self.create(cid)?;
        check(
            unsafe { component.initialize(host_unknown.as_ptr()) },
            "component initialize",
        )?;

        let (controller, separate) = match component.cast::<IEditController>() {
            Some(c) => (c, false),
            None => {
                let mut controller_cid: TUID = [0; 16];
                check(
                    unsafe { component.getControllerClassId(&mut controller_cid) },
                    "getControllerClassId",
                )?;
                let c: ComPtr<IEditController> = self.create(&controller_cid.map(|b| b as u8))?;
                check(
                    unsafe { c.initialize(host_unknown.as_ptr()) },
                    "controller initialize",
                )?;
                (c, true)
            }
        };
        if separate
            && let (Some(a), Some(b)) = (
                component.cast::<IConnectionPoint>(),
                controller.cast::<IConnectionPoint>(),
            )
        {
            unsafe {
                a.connect(b.as_ptr());
                b.connect(a.as_ptr());
            }
        }
        let handler = ComWrapper::new(ComponentHandler::default());
        let handler_ptr = handler
            .to_com_ptr::<IComponentHandler>()
            .ok_or("handler has no IComponentHandler")?;
        check(
            unsafe { controller.setComponentHandler(handler_ptr.as_ptr()) },
            "setComponentHandler",
        )?;
        let processor = component
            .cast::<IAudioProcessor>()
            .ok_or("component has no IAudioProcessor")?;
        Ok(Instance {
            component,
            controller,
            processor,
            separate_controller: separate,
            handler,
            _host: host,
            active: false,
            sample_rate: 0.0,
            process_mode: ProcessModes_::kRealtime as i32,
        })
    }

    /// `createInstance` for an unknown class id must fail without crashing.
    pub fn create_unknown_fails(&self) -> bool {
        let cid = *b"NoSuchMixwerkCls";
        self.create::<IComponent>(&cid).is_err()
    }

    fn create<I: Interface>(&self, cid: &[u8; 16]) -> Result<ComPtr<I>> {
        let cid: TUID = cid.map(|b| b as std::ffi::c_char);
        let iid: TUID = I::IID.map(|b| b as std::ffi::c_char);
        let mut obj: *mut c_void = null_mut();
        let r = unsafe {
            self.factory
                .createInstance(cid.as_ptr(), iid.as_ptr(), &mut obj)
        };
        if r != kResultOk || obj.is_null() {
            return Err(format!("createInstance failed ({r})").into());
        }
        unsafe { ComPtr::from_raw(obj as *mut I) }.ok_or_else(|| "null instance".into())
    }
}

#[derive(Debug, Clone)]
pub struct FactoryInfo {
    pub vendor: String,
    pub url: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct ClassInfo {
    pub cid: [u8; 16],
    pub category: String,
    pub name: String,
    pub subcategories: String,
    pub vendor: String,
    pub version: String,
}

fn c_chars(chars: &[std::ffi::c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn u16s(chars: &[TChar]) -> String {
    let units: Vec<u16> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u16)
        .collect();
    String::from_utf16_lossy(&units)
}

fn check(r: tresult, what: &str) -> Result<()> {
    if r == kResultOk {
        Ok(())
    } else {
        Err(format!("{what} returned {r}").into())
    }
}

// ---------------------------------------------------------------------------------------------
// Host-side COM objects

struct HostApplication;

impl Class for HostApplication {
    type Interfaces = (IHostApplication,);
}

impl IHostApplicationTrait for HostApplication {
    unsafe fn getName(&self, name: *mut String128) -> tresult {
        let text: Vec<u16> = "Mixwerk Test Host".encode_utf16().collect();
        let name = unsafe { &mut *name };
        name.fill(0);
        for (dst, src) in name.iter_mut().zip(text) {
            *dst = src as TChar;
        }
        kResultOk
    }

    unsafe fn createInstance(
        &self,
        _cid: *mut TUID,
        _iid: *mut TUID,
        obj: *mut *mut c_void,
    ) -> tresult {
        if !obj.is_null() {
            unsafe { *obj = null_mut() };
        }
        kNotImplemented
    }
}

/// Records what the plugin tells the host (edits from its own side, restart requests).
/// Restart requests may come from the plugin's own threads (a program loaded off the audio
/// thread), hence the atomic.
#[derive(Default)]
pub struct ComponentHandler {
    pub restart_flags: std::sync::atomic::AtomicI32,
    pub edits: Mutex<Vec<(ParamID, ParamValue)>>,
}

impl ComponentHandler {
    /// The restart flags asked for since the last call.
    pub fn take_restart_flags(&self) -> i32 {
        self.restart_flags
            .swap(0, std::sync::atomic::Ordering::SeqCst)
    }
}

impl Class for ComponentHandler {
    type Interfaces = (IComponentHandler,);
}

impl IComponentHandlerTrait for ComponentHandler {
    unsafe fn beginEdit(&self, _id: ParamID) -> tresult {
        kResultOk
    }
    unsafe fn performEdit(&self, id: ParamID, value: ParamValue) -> tresult {
        self.edits.lock().unwrap().push((id, value));
        kResultOk
    }
    unsafe fn endEdit(&self, _id: ParamID) -> tresult {
        kResultOk
    }
    unsafe fn restartComponent(&self, flags: int32) -> tresult {
        self.restart_flags
            .fetch_or(flags, std::sync::atomic::Ordering::SeqCst);
        kResultOk
    }
}

/// An `IAttributeList` of integers and strings, as a host passes one to
/// `IInfoListener::setChannelContextInfos` (floats and binaries are refused).
#[derive(Default)]
pub struct AttributeList {
    ints: RefCell<Vec<(CString, int64)>>,
    strings: RefCell<Vec<(CString, Vec<TChar>)>>,
}

impl AttributeList {
    /// A track's channel context: name, colour (0xAARRGGBB, as VST3 packs it) and, if given,
    /// its place in the mixer (index namespace order, index).
    pub fn channel_context(name: &str, argb: u32, place: Option<(i64, i64)>) -> ComWrapper<Self> {
        use vst3::Steinberg::Vst::ChannelContext::{
            kChannelColorKey, kChannelIndexKey, kChannelIndexNamespaceOrderKey, kChannelNameKey,
        };
        let key = |k: *const std::ffi::c_char| unsafe { CStr::from_ptr(k) }.to_owned();
        let mut ints = vec![(key(kChannelColorKey), argb as int64)];
        if let Some((order, index)) = place {
            ints.push((key(kChannelIndexNamespaceOrderKey), order));
            ints.push((key(kChannelIndexKey), index));
        }
        let mut name: Vec<TChar> = name.encode_utf16().map(|u| u as TChar).collect();
        name.push(0);
        ComWrapper::new(Self {
            ints: RefCell::new(ints),
            strings: RefCell::new(vec![(key(kChannelNameKey), name)]),
        })
    }
}

impl Class for AttributeList {
    type Interfaces = (IAttributeList,);
}

impl IAttributeListTrait for AttributeList {
    unsafe fn setInt(&self, id: AttrID, value: int64) -> tresult {
        let id = unsafe { CStr::from_ptr(id) }.to_owned();
        let mut ints = self.ints.borrow_mut();
        ints.retain(|(k, _)| *k != id);
        ints.push((id, value));
        kResultOk
    }

    unsafe fn getInt(&self, id: AttrID, value: *mut int64) -> tresult {
        let id = unsafe { CStr::from_ptr(id) };
        match self.ints.borrow().iter().find(|(k, _)| k.as_c_str() == id) {
            Some(&(_, v)) => {
                unsafe { *value = v };
                kResultOk
            }
            None => kResultFalse,
        }
    }

    unsafe fn setFloat(&self, _id: AttrID, _value: f64) -> tresult {
        kNotImplemented
    }

    unsafe fn getFloat(&self, _id: AttrID, _value: *mut f64) -> tresult {
        kResultFalse
    }

    unsafe fn setString(&self, id: AttrID, string: *const TChar) -> tresult {
        let id = unsafe { CStr::from_ptr(id) }.to_owned();
        let mut units = Vec::new();
        let mut p = string;
        unsafe {
            while *p != 0 {
                units.push(*p);
                p = p.add(1);
            }
        }
        units.push(0);
        let mut strings = self.strings.borrow_mut();
        strings.retain(|(k, _)| *k != id);
        strings.push((id, units));
        kResultOk
    }

    unsafe fn getString(&self, id: AttrID, string: *mut TChar, size_in_bytes: uint32) -> tresult {
        let id = unsafe { CStr::from_ptr(id) };
        let strings = self.strings.borrow();
        let Some((_, units)) = strings.iter().find(|(k, _)| k.as_c_str() == id) else {
            return kResultFalse;
        };
        let room = size_in_bytes as usize / std::mem::size_of::<TChar>();
        if room == 0 {
            return kResultFalse;
        }
        // Cut to the room, always NUL-terminated.
        let n = (units.len() - 1).min(room - 1);
        unsafe {
            std::ptr::copy_nonoverlapping(units.as_ptr(), string, n);
            *string.add(n) = 0;
        }
        kResultOk
    }

    unsafe fn setBinary(
        &self,
        _id: AttrID,
        _data: *const std::ffi::c_void,
        _size: uint32,
    ) -> tresult {
        kNotImplemented
    }

    unsafe fn getBinary(
        &self,
        _id: AttrID,
        _data: *mut *const std::ffi::c_void,
        _size: *mut uint32,
    ) -> tresult {
        kResultFalse
    }
}

/// An in-memory `IBStream`, for `getState`/`setState`.
#[derive(Default)]
pub struct MemoryStream {
    data: RefCell<Vec<u8>>,
    pos: RefCell<usize>,
}

impl MemoryStream {
    pub fn from_bytes(bytes: &[u8]) -> ComWrapper<Self> {
        ComWrapper::new(Self {
            data: RefCell::new(bytes.to_vec()),
            pos: RefCell::new(0),
        })
    }
    pub fn bytes(&self) -> Vec<u8> {
        self.data.borrow().clone()
    }
}

impl Class for MemoryStream {
    type Interfaces = (IBStream,);
}

impl IBStreamTrait for MemoryStream {
    unsafe fn read(&self, buffer: *mut c_void, num_bytes: int32, num_read: *mut int32) -> tresult {
        if buffer.is_null() || num_bytes < 0 {
            return kInvalidArgument;
        }
        let data = self.data.borrow();
        let mut pos = self.pos.borrow_mut();
        let n = (num_bytes as usize).min(data.len().saturating_sub(*pos));
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr().add(*pos), buffer as *mut u8, n) };
        *pos += n;
        if !num_read.is_null() {
            unsafe { *num_read = n as int32 };
        }
        kResultOk
    }
    unsafe fn write(
        &self,
        buffer: *mut c_void,
        num_bytes: int32,
        num_written: *mut int32,
    ) -> tresult {
        if buffer.is_null() || num_bytes < 0 {
            return kInvalidArgument;
        }
        let mut data = self.data.borrow_mut();
        let mut pos = self.pos.borrow_mut();
        let src = unsafe { std::slice::from_raw_parts(buffer as *const u8, num_bytes as usize) };
        let end = *pos + src.len();
        if data.len() < end {
            data.resize(end, 0);
        }
        data[*pos..end].copy_from_slice(src);
        *pos = end;
        if !num_written.is_null() {
            unsafe { *num_written = num_bytes };
        }
        kResultOk
    }
    unsafe fn seek(&self, pos: int64, mode: int32, result: *mut int64) -> tresult {
        let len = self.data.borrow().len() as i64;
        let base = match mode {
            0 => 0,                         // kIBSeekSet
            1 => *self.pos.borrow() as i64, // kIBSeekCur
            2 => len,                       // kIBSeekEnd
            _ => return kInvalidArgument,
        };
        let new = (base + pos).clamp(0, len);
        *self.pos.borrow_mut() = new as usize;
        if !result.is_null() {
            unsafe { *result = new };
        }
        kResultOk
    }
    unsafe fn tell(&self, pos: *mut int64) -> tresult {
        if pos.is_null() {
            return kInvalidArgument;
        }
        unsafe { *pos = *self.pos.borrow() as i64 };
        kResultOk
    }
}

/// One parameter's points inside a block.
pub struct ParamQueue {
    id: ParamID,
    points: RefCell<Vec<(int32, ParamValue)>>,
}

impl Class for ParamQueue {
    type Interfaces = (IParamValueQueue,);
}

impl IParamValueQueueTrait for ParamQueue {
    unsafe fn getParameterId(&self) -> ParamID {
        self.id
    }
    unsafe fn getPointCount(&self) -> int32 {
        self.points.borrow().len() as int32
    }
    unsafe fn getPoint(&self, index: int32, offset: *mut int32, value: *mut ParamValue) -> tresult {
        match self.points.borrow().get(index as usize) {
            Some(&(o, v)) if !offset.is_null() && !value.is_null() => {
                unsafe {
                    *offset = o;
                    *value = v;
                }
                kResultOk
            }
            _ => kResultFalse,
        }
    }
    unsafe fn addPoint(&self, offset: int32, value: ParamValue, index: *mut int32) -> tresult {
        let mut points = self.points.borrow_mut();
        points.push((offset, value));
        if !index.is_null() {
            unsafe { *index = points.len() as int32 - 1 };
        }
        kResultOk
    }
}

/// The block's parameter changes: one queue per parameter, points sorted by offset.
pub struct ParamChanges {
    queues: Vec<ComWrapper<ParamQueue>>,
}

impl ParamChanges {
    /// `changes` carry normalised values (VST3's currency).
    pub fn new(changes: &[ParamChange]) -> ComWrapper<Self> {
        let mut queues: Vec<ComWrapper<ParamQueue>> = Vec::new();
        let mut sorted = changes.to_vec();
        sorted.sort_by_key(|c| c.offset);
        for c in sorted {
            match queues.iter().find(|q| q.id == c.id) {
                Some(q) => q.points.borrow_mut().push((c.offset as int32, c.value)),
                None => queues.push(ComWrapper::new(ParamQueue {
                    id: c.id,
                    points: RefCell::new(vec![(c.offset as int32, c.value)]),
                })),
            }
        }
        ComWrapper::new(Self { queues })
    }
}

impl Class for ParamChanges {
    type Interfaces = (IParameterChanges,);
}

impl IParameterChangesTrait for ParamChanges {
    unsafe fn getParameterCount(&self) -> int32 {
        self.queues.len() as int32
    }
    unsafe fn getParameterData(&self, index: int32) -> *mut IParamValueQueue {
        self.queues
            .get(index as usize)
            .and_then(|q| q.as_com_ref::<IParamValueQueue>())
            .map_or(null_mut(), |r| r.as_ptr())
    }
    unsafe fn addParameterData(
        &self,
        _id: *const ParamID,
        index: *mut int32,
    ) -> *mut IParamValueQueue {
        // Output parameter changes are not collected by this host.
        if !index.is_null() {
            unsafe { *index = -1 };
        }
        null_mut()
    }
}

// ---------------------------------------------------------------------------------------------
// An instance

/// One parameter as the edit controller describes it.
#[derive(Debug, Clone)]
pub struct Vst3Param {
    pub id: ParamID,
    pub title: String,
    pub short_title: String,
    pub units: String,
    pub step_count: i32,
    pub default_normalized: f64,
    pub flags: i32,
    pub unit_id: i32,
}

impl Vst3Param {
    pub fn can_automate(&self) -> bool {
        self.flags & vst3::Steinberg::Vst::ParameterInfo_::ParameterFlags_::kCanAutomate as i32 != 0
    }
    pub fn is_bypass(&self) -> bool {
        self.flags & vst3::Steinberg::Vst::ParameterInfo_::ParameterFlags_::kIsBypass as i32 != 0
    }
    pub fn is_hidden(&self) -> bool {
        self.flags & vst3::Steinberg::Vst::ParameterInfo_::ParameterFlags_::kIsHidden as i32 != 0
    }
    pub fn is_program_change(&self) -> bool {
        self.flags & vst3::Steinberg::Vst::ParameterInfo_::ParameterFlags_::kIsProgramChange as i32
            != 0
    }
    pub fn is_list(&self) -> bool {
        self.flags & vst3::Steinberg::Vst::ParameterInfo_::ParameterFlags_::kIsList as i32 != 0
    }
}

/// A program list as `IUnitInfo` describes it.
#[derive(Debug, Clone)]
pub struct ProgramList {
    pub id: i32,
    pub name: String,
    /// The programs' names, by index.
    pub programs: Vec<String>,
}

pub struct Instance {
    component: ComPtr<IComponent>,
    controller: ComPtr<IEditController>,
    processor: ComPtr<IAudioProcessor>,
    separate_controller: bool,
    pub handler: ComWrapper<ComponentHandler>,
    _host: ComWrapper<HostApplication>,
    active: bool,
    sample_rate: f64,
    /// `ProcessModes_` of the last activation (`kRealtime` unless
    /// [`activate_offline`](Instance::activate_offline)).
    process_mode: i32,
}

/// One audio bus as the component describes it.
#[derive(Debug, Clone)]
pub struct Bus {
    pub name: String,
    pub channels: u32,
}

/// The transport a host passes with every block.
#[derive(Debug, Clone, Copy)]
pub struct Transport {
    pub tempo: f64,
    pub playing: bool,
    pub position_samples: i64,
}

impl Default for Transport {
    fn default() -> Self {
        Self {
            tempo: 120.0,
            playing: true,
            position_samples: 0,
        }
    }
}

impl Instance {
    pub fn has_separate_controller(&self) -> bool {
        self.separate_controller
    }

    /// Tells the plugin about its track as a host's mixer does (`IInfoListener`): name,
    /// colour (0xAARRGGBB) and, if given, its place (index namespace order, index). Errors if
    /// the controller has no `IInfoListener`.
    pub fn set_channel_context(
        &self,
        name: &str,
        argb: u32,
        place: Option<(i64, i64)>,
    ) -> Result<()> {
        use vst3::Steinberg::Vst::ChannelContext::{IInfoListener, IInfoListenerTrait};
        let listener = self
            .controller
            .cast::<IInfoListener>()
            .ok_or("the controller has no IInfoListener")?;
        let list = AttributeList::channel_context(name, argb, place);
        let list = list
            .to_com_ptr::<IAttributeList>()
            .ok_or("IAttributeList")?;
        check(
            unsafe { listener.setChannelContextInfos(list.as_ptr()) },
            "setChannelContextInfos",
        )
    }

    pub fn params(&self) -> Result<Vec<Vst3Param>> {
        let count = unsafe { self.controller.getParameterCount() };
        let mut out = Vec::new();
        for i in 0..count {
            let mut info: ParameterInfo = unsafe { std::mem::zeroed() };
            check(
                unsafe { self.controller.getParameterInfo(i, &mut info) },
                "getParameterInfo",
            )?;
            out.push(Vst3Param {
                id: info.id,
                title: u16s(&info.title),
                short_title: u16s(&info.shortTitle),
                units: u16s(&info.units),
                step_count: info.stepCount,
                default_normalized: info.defaultNormalizedValue,
                flags: info.flags,
                unit_id: info.unitId,
            });
        }
        Ok(out)
    }

    /// The program lists `IUnitInfo` reports (none if the controller has no `IUnitInfo`).
    pub fn program_lists(&self) -> Result<Vec<ProgramList>> {
        let Some(units) = self.controller.cast::<IUnitInfo>() else {
            return Ok(Vec::new());
        };
        let mut lists = Vec::new();
        for i in 0..unsafe { units.getProgramListCount() } {
            let mut info: ProgramListInfo = unsafe { std::mem::zeroed() };
            check(
                unsafe { units.getProgramListInfo(i, &mut info) },
                "getProgramListInfo",
            )?;
            let mut programs = Vec::new();
            for p in 0..info.programCount {
                let mut name: String128 = [0; 128];
                check(
                    unsafe { units.getProgramName(info.id, p, &mut name) },
                    "getProgramName",
                )?;
                programs.push(u16s(&name));
            }
            lists.push(ProgramList {
                id: info.id,
                name: u16s(&info.name),
                programs,
            });
        }
        Ok(lists)
    }

    /// The root unit's (id 0) program list id, `None` if it has none (or is not listed).
    pub fn root_unit_program_list(&self) -> Result<Option<i32>> {
        let Some(units) = self.controller.cast::<IUnitInfo>() else {
            return Ok(None);
        };
        for i in 0..unsafe { units.getUnitCount() } {
            let mut info: UnitInfo = unsafe { std::mem::zeroed() };
            check(unsafe { units.getUnitInfo(i, &mut info) }, "getUnitInfo")?;
            if info.id == 0 {
                return Ok((info.programListId != -1).then_some(info.programListId));
            }
        }
        Ok(None)
    }

    pub fn normalized(&self, id: ParamID) -> f64 {
        unsafe { self.controller.getParamNormalized(id) }
    }

    pub fn set_normalized(&self, id: ParamID, value: f64) -> Result<()> {
        check(
            unsafe { self.controller.setParamNormalized(id, value) },
            "setParamNormalized",
        )
    }

    pub fn string_by_value(&self, id: ParamID, normalized: f64) -> Result<String> {
        let mut s: String128 = [0; 128];
        check(
            unsafe {
                self.controller
                    .getParamStringByValue(id, normalized, &mut s)
            },
            "getParamStringByValue",
        )?;
        Ok(u16s(&s))
    }

    pub fn value_by_string(&self, id: ParamID, text: &str) -> Option<f64> {
        let mut wide: Vec<TChar> = text.encode_utf16().map(|c| c as TChar).collect();
        wide.push(0);
        let mut value = 0.0;
        let r = unsafe {
            self.controller
                .getParamValueByString(id, wide.as_mut_ptr(), &mut value)
        };
        (r == kResultOk).then_some(value)
    }

    pub fn to_plain(&self, id: ParamID, normalized: f64) -> f64 {
        unsafe { self.controller.normalizedParamToPlain(id, normalized) }
    }

    pub fn to_normalized(&self, id: ParamID, plain: f64) -> f64 {
        unsafe { self.controller.plainParamToNormalized(id, plain) }
    }

    /// The audio buses, `(inputs, outputs)`, as the component reports them.
    pub fn buses(&self) -> Result<(Vec<Bus>, Vec<Bus>)> {
        let mut dirs = [Vec::new(), Vec::new()];
        for (d, dir) in [BusDirections_::kInput, BusDirections_::kOutput]
            .into_iter()
            .enumerate()
        {
            let count = unsafe {
                self.component
                    .getBusCount(MediaTypes_::kAudio as i32, dir as i32)
            };
            for i in 0..count {
                let mut info: BusInfo = unsafe { std::mem::zeroed() };
                check(
                    unsafe {
                        self.component.getBusInfo(
                            MediaTypes_::kAudio as i32,
                            dir as i32,
                            i,
                            &mut info,
                        )
                    },
                    "getBusInfo",
                )?;
                dirs[d].push(Bus {
                    name: u16s(&info.name),
                    channels: info.channelCount.max(0) as u32,
                });
            }
        }
        let [inputs, outputs] = dirs;
        Ok((inputs, outputs))
    }

    /// Proposes an arrangement; `true` if the plugin accepts it.
    pub fn set_arrangement(
        &self,
        inputs: &[SpeakerArrangement],
        outputs: &[SpeakerArrangement],
    ) -> bool {
        let mut ins = inputs.to_vec();
        let mut outs = outputs.to_vec();
        let r = unsafe {
            self.processor.setBusArrangements(
                ins.as_mut_ptr(),
                ins.len() as int32,
                outs.as_mut_ptr(),
                outs.len() as int32,
            )
        };
        r == kResultOk
    }

    pub fn activate_bus(&self, input: bool, index: i32, on: bool) -> Result<()> {
        let dir = if input {
            BusDirections_::kInput
        } else {
            BusDirections_::kOutput
        };
        check(
            unsafe {
                self.component
                    .activateBus(MediaTypes_::kAudio as i32, dir as i32, index, on as u8)
            },
            "activateBus",
        )
    }

    pub fn activate(&mut self, sample_rate: f64, max_block: i32) -> Result<()> {
        self.activate_buses(sample_rate, max_block, true)
    }

    /// Activates with only the main buses on when `aux` is false, as a host does when the
    /// user has not routed anything to a sidechain.
    pub fn activate_buses(&mut self, sample_rate: f64, max_block: i32, aux: bool) -> Result<()> {
        self.activate_in_mode(sample_rate, max_block, aux, false)
    }

    /// Activates for an offline render (a bounce): `setupProcessing` with `kOffline`, as a host
    /// does before it renders faster than real time; process calls then say `kOffline` too.
    pub fn activate_offline(&mut self, sample_rate: f64, max_block: i32) -> Result<()> {
        self.activate_in_mode(sample_rate, max_block, true, true)
    }

    fn activate_in_mode(
        &mut self,
        sample_rate: f64,
        max_block: i32,
        aux: bool,
        offline: bool,
    ) -> Result<()> {
        self.process_mode = if offline {
            ProcessModes_::kOffline
        } else {
            ProcessModes_::kRealtime
        } as i32;
        let (inputs, outputs) = self.buses()?;
        for i in 0..inputs.len() as i32 {
            self.activate_bus(true, i, aux || i == 0)?;
        }
        for i in 0..outputs.len() as i32 {
            self.activate_bus(false, i, aux || i == 0)?;
        }
        let mut setup = ProcessSetup {
            processMode: self.process_mode,
            symbolicSampleSize: SymbolicSampleSizes_::kSample32 as i32,
            maxSamplesPerBlock: max_block,
            sampleRate: sample_rate,
        };
        check(
            unsafe { self.processor.setupProcessing(&mut setup) },
            "setupProcessing",
        )?;
        check(unsafe { self.component.setActive(1) }, "setActive(true)")?;
        // Some wrappers return kNotImplemented here; only an explicit refusal is an error.
        let r = unsafe { self.processor.setProcessing(1) };
        if r != kResultOk && r != kNotImplemented {
            return Err(format!("setProcessing(true) returned {r}").into());
        }
        self.active = true;
        self.sample_rate = sample_rate;
        Ok(())
    }

    pub fn deactivate(&mut self) {
        if self.active {
            unsafe {
                self.processor.setProcessing(0);
                self.component.setActive(0);
            }
            self.active = false;
        }
    }

    pub fn latency(&self) -> u32 {
        unsafe { self.processor.getLatencySamples() }
    }

    pub fn tail(&self) -> u32 {
        unsafe { self.processor.getTailSamples() }
    }

    /// One `process` call; `changes` carry normalised values at sample offsets.
    pub fn process(
        &mut self,
        inputs: &mut [Vec<Vec<f32>>],
        outputs: &mut [Vec<Vec<f32>>],
        changes: &[ParamChange],
        transport: Option<Transport>,
    ) -> Result<()> {
        if !self.active {
            return Err("process() on an inactive plugin".into());
        }
        let len = outputs
            .iter()
            .flatten()
            .chain(inputs.iter().flatten())
            .map(Vec::len)
            .min()
            .unwrap_or(0);
        let mut in_ptrs: Vec<Vec<*mut f32>> = inputs
            .iter_mut()
            .map(|p| p.iter_mut().map(|c| c.as_mut_ptr()).collect())
            .collect();
        let mut out_ptrs: Vec<Vec<*mut f32>> = outputs
            .iter_mut()
            .map(|p| p.iter_mut().map(|c| c.as_mut_ptr()).collect())
            .collect();
        let mut in_buses: Vec<AudioBusBuffers> = in_ptrs.iter_mut().map(|p| bus(p)).collect();
        let mut out_buses: Vec<AudioBusBuffers> = out_ptrs.iter_mut().map(|p| bus(p)).collect();
        let changes = ParamChanges::new(changes);
        let changes_ptr = changes
            .as_com_ref::<IParameterChanges>()
            .map_or(null_mut(), |r| r.as_ptr());
        let mut context: ProcessContext = unsafe { std::mem::zeroed() };
        if let Some(t) = transport {
            use vst3::Steinberg::Vst::ProcessContext_::StatesAndFlags_::{
                kPlaying, kTempoValid, kTimeSigValid,
            };
            context.state =
                (kTempoValid | kTimeSigValid | if t.playing { kPlaying } else { 0 }) as u32;
            context.sampleRate = self.sample_rate;
            context.tempo = t.tempo;
            context.projectTimeSamples = t.position_samples;
            context.projectTimeMusic =
                t.position_samples as f64 / self.sample_rate * t.tempo / 60.0;
            context.timeSigNumerator = 4;
            context.timeSigDenominator = 4;
        }
        let mut data = ProcessData {
            processMode: self.process_mode,
            symbolicSampleSize: SymbolicSampleSizes_::kSample32 as i32,
            numSamples: len as int32,
            numInputs: in_buses.len() as int32,
            numOutputs: out_buses.len() as int32,
            inputs: if in_buses.is_empty() {
                null_mut()
            } else {
                in_buses.as_mut_ptr()
            },
            outputs: if out_buses.is_empty() {
                null_mut()
            } else {
                out_buses.as_mut_ptr()
            },
            inputParameterChanges: changes_ptr,
            outputParameterChanges: null_mut(),
            inputEvents: null_mut(),
            outputEvents: null_mut(),
            processContext: if transport.is_some() {
                &mut context
            } else {
                null_mut()
            },
        };
        check(unsafe { self.processor.process(&mut data) }, "process")
    }

    pub fn get_state(&self) -> Result<Vec<u8>> {
        let stream = ComWrapper::new(MemoryStream::default());
        let ptr = stream
            .as_com_ref::<IBStream>()
            .ok_or("stream has no IBStream")?
            .as_ptr();
        check(unsafe { self.component.getState(ptr) }, "getState")?;
        Ok(stream.bytes())
    }

    /// `setState` on the component, then `setComponentState` on the controller, as hosts do.
    pub fn set_state(&self, bytes: &[u8]) -> Result<()> {
        let stream = MemoryStream::from_bytes(bytes);
        let ptr = stream
            .as_com_ref::<IBStream>()
            .ok_or("stream has no IBStream")?
            .as_ptr();
        check(unsafe { self.component.setState(ptr) }, "setState")?;
        let stream = MemoryStream::from_bytes(bytes);
        let ptr = stream
            .as_com_ref::<IBStream>()
            .ok_or("stream has no IBStream")?
            .as_ptr();
        check(
            unsafe { self.controller.setComponentState(ptr) },
            "setComponentState",
        )
    }
}

/// A bus with no channels (an inactive one) gets a null channel array, the most a host may
/// hand over.
fn bus(channels: &mut [*mut f32]) -> AudioBusBuffers {
    let ptr = if channels.is_empty() {
        null_mut()
    } else {
        channels.as_mut_ptr()
    };
    AudioBusBuffers {
        numChannels: channels.len() as int32,
        silenceFlags: 0,
        __field0: AudioBusBuffers__type0 {
            channelBuffers32: ptr,
        },
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.deactivate();
        unsafe {
            let _ = self.controller.setComponentHandler(null_mut());
            if self.separate_controller {
                let _ = self.controller.terminate();
            }
            let _ = self.component.terminate();
        }
    }
}
