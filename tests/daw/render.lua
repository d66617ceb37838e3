-- Render one WAV through one Mixwerk VST3 plugin in headless Ardour and export the result
-- with Ardour's own exporter.
--
--   ardour7-lua tests/daw/render.lua <plugin name|-> <input.wav> <work dir> [latency file]
--                                    [<parameter name>=<value>...]
--
-- `cargo xtask daw-test` runs this once per plugin (see xtask/src/daw.rs), after staging the
-- .vst3 bundles in $HOME/.vst3, scanning them with Ardour's VST3 scanner and installing the
-- float export preset (tests/daw/export/) in $HOME/.config/ardour7/export. A plugin name of
-- "-" inserts nothing: the harness's own baseline (the export must equal the input).
-- Parameters are set by their names as Ardour lists them, in Ardour's units for the plugin
-- (for a VST3: the step index of a stepped parameter, else the normalised value 0..1).
-- If new_session.lua also made the track "ref", it gets the same region and no plugin: the
-- export is then the sum of the plugin's track and the dry one (latency compensation).
--
-- What it does, in the order a user would:
--  1. (new_session.lua, run before in its own process) the Dummy backend (no audio device),
--     a new 48 kHz session in <work dir>/session, the stereo track "in" (and "ref"), saved;
--  2. the input WAV becomes a region at 0 on each track. Ardour 7.3's Lua has no import call
--     (the import lives in the GUI's Editor), so the script writes what an import writes:
--     the channels as mono files name%L.wav and name%R.wav in the session's audiofiles
--     folder, their two Sources, the whole-file region, each playlist's region and the
--     session range into the saved session file, which Ardour then loads;
--  3. the plugin is inserted first on "in" (pre-fader), the engine processes, and the
--     transport rolls for half a second past the region;
--  4. the session range is exported with Ardour's export (32-bit float WAV, no dither, no
--     normalisation) to <work dir>/export/; the script prints "EXPORT <path>" and, if asked,
--     writes the plugin's reported latency and the track's signal latency to [latency file].
-- Any failure raises a Lua error: ardour7-lua then exits with a non-zero status (the caller
-- also checks that the export exists). A plugin crash kills the process with its signal.

io.stdout:setvbuf("line")
local plugin_name, input_wav, work_dir, latency_file = arg[1], arg[2], arg[3], arg[4]
assert(plugin_name and input_wav and work_dir,
	"usage: ardour7-lua render.lua <plugin name|-> <input.wav> <work dir> [latency file] [name=value...]")
local settings = {}
for i = 5, #arg do
	local name, value = arg[i]:match("^(.-)=([-%d.e]+)$")
	assert(name, "not <parameter name>=<number>: " .. arg[i])
	table.insert(settings, { name = name, value = tonumber(value) })
end

local RATE = 48000
-- Ardour 7 stores timeline positions in superclock ticks ("a<ticks>"); the session file of a
-- 7.3 session says superclocks-per-second="282240000" (checked below, not assumed).
local SUPERCLOCK = 282240000
-- The float WAV export preset installed by the xtask (tests/daw/export/mixwerk-float.preset).
local PRESET = "6b1f4e5e-0c1d-4c39-9a7e-4d2a6f3b9c01"

local function fail(msg)
	error("daw-test: " .. msg, 0)
end

local function read_file(path)
	local f = io.open(path, "rb") or fail("cannot read " .. path)
	local text = f:read("a")
	f:close()
	return text
end

local function write_file(path, text)
	local f = io.open(path, "wb") or fail("cannot write " .. path)
	f:write(text)
	f:close()
end

-- A WAV file's channels as mono WAV files (same sample format), and its length in frames:
-- Ardour's import writes a stereo file as two mono files (name%L.wav, name%R.wav), so the
-- session is what a user's import would give.
local function split_wav(path)
	local data = read_file(path)
	if data:sub(1, 4) ~= "RIFF" or data:sub(9, 12) ~= "WAVE" then fail(path .. " is not a WAV file") end
	local pos, fmt = 13, nil
	while pos + 8 <= #data do
		local id, size = data:sub(pos, pos + 3), string.unpack("<I4", data, pos + 4)
		if id == "fmt " then
			fmt = data:sub(pos + 8, pos + 8 + size - 1)
		elseif id == "data" then
			if not fmt then fail(path .. ": data before fmt") end
			local tag, channels, rate, _, block_align, bits = string.unpack("<I2I2I4I4I2I2", fmt)
			local width = block_align // channels
			local frames = size // block_align
			local files = {}
			for c = 0, channels - 1 do
				local parts = {}
				for f = 0, frames - 1 do
					local at = pos + 8 + f * block_align + c * width
					parts[f + 1] = data:sub(at, at + width - 1)
				end
				local body = table.concat(parts)
				local mono_fmt = string.pack("<I2I2I4I4I2I2", tag, 1, rate, rate * width, width, bits)
					.. fmt:sub(17)
				files[c + 1] = "RIFF" .. string.pack("<I4", 4 + 8 + #mono_fmt + 8 + #body) .. "WAVE"
					.. "fmt " .. string.pack("<I4", #mono_fmt) .. mono_fmt
					.. "data" .. string.pack("<I4", #body) .. body
			end
			return files, frames
		end
		pos = pos + 8 + size + (size % 2)
	end
	fail(path .. " has no data chunk")
end

-- Replaces exactly one occurrence of `pattern` in `text`, or fails naming `what`. `repl` is
-- literal text (file names hold '%'), or a function of the captures.
local function replace_once(text, pattern, repl, what)
	if type(repl) == "string" then
		local literal = repl
		repl = function() return literal end
	end
	local out, n = text:gsub(pattern, repl)
	if n ~= 1 then fail("session file: expected one " .. what .. ", found " .. n) end
	return out
end

local mono_files, frames = split_wav(input_wav)
if #mono_files ~= 2 then fail(input_wav .. " has " .. #mono_files .. " channels, the track is stereo") end

-- 1. The session with its stereo track "in" was made by new_session.lua in another process:
-- closing a session and loading one in the same ardour7-lua process crashed now and then
-- (SIGSEGV between close_session and load_session), most likely the use after free
-- described at the end of this file.
local session_dir = work_dir .. "/session"
local session_name = "daw-test"

-- 2. The input as a region: file into audiofiles/, sources + regions + range into the XML.
local session_file = session_dir .. "/" .. session_name .. ".ardour"
local xml = read_file(session_file)
local tps = xml:match('superclocks%-per%-second="(%d+)"')
if tonumber(tps) ~= SUPERCLOCK then fail("unexpected superclocks-per-second " .. tostring(tps)) end
-- The interchange folder is named after the session directory.
local audiofiles = session_dir .. "/interchange/session/audiofiles"
local file_names = { "mixwerk-input%L.wav", "mixwerk-input%R.wav" }
for c = 1, 2 do
	write_file(audiofiles .. "/" .. file_names[c], mono_files[c])
end

local len = "a" .. (frames * (SUPERCLOCK // RATE))
local id_counter = tonumber(xml:match('id%-counter="(%d+)"')) or fail("no id-counter")
local src_l, src_r, whole, range = id_counter + 1, id_counter + 2, id_counter + 3, id_counter + 4
local function region_xml(id, name, whole_file)
	-- Fades off: Ardour's default 64-sample region fades would change the first and last
	-- samples, and the comparison wants the file as it is.
	return string.format('<Region name="%s" muted="0" opaque="1" locked="0" video-locked="0" automatic="0" '
		.. 'whole-file="%d" import="1" external="0" sync-marked="0" left-of-split="0" right-of-split="0" '
		.. 'hidden="0" position-locked="0" valid-transients="0" start="a0" length="%s@a0" sync-position="a0" '
		.. 'ancestral-start="a0" ancestral-length="a0@a0" stretch="1" shift="1" layering-index="0" tags="" '
		.. 'contents="0" envelope-active="0" default-fade-in="0" default-fade-out="0" fade-in-active="0" '
		.. 'fade-out-active="0" scale-amplitude="1" id="%d" type="audio" first-edit="nothing" '
		.. 'source-0="%d" source-1="%d" master-source-0="%d" master-source-1="%d" channels="2"/>',
		name, whole_file, len, id, src_l, src_r, src_l, src_r)
end
-- origin="" as in a recorded or imported source: Ardour shares one Source among entries
-- with the same origin and channel, so two mono files with the input's path as origin (both
-- channel 0) played the left file on both sides.
local function source_xml(id, channel)
	return string.format('<Source name="%s" type="audio" flags="" id="%d" natural-position="a0" '
		.. 'channel="0" origin="" gain="1"/>', file_names[channel + 1], id)
end
xml = replace_once(xml, 'id%-counter="%d+"', 'id-counter="' .. (id_counter + 100) .. '"', "id-counter")
xml = replace_once(xml, "<Sources/>", "<Sources>" .. source_xml(src_l, 0) .. source_xml(src_r, 1) .. "</Sources>",
	"empty Sources")
xml = replace_once(xml, "<Regions/>", "<Regions>" .. region_xml(whole, "mixwerk-input", 1) .. "</Regions>",
	"empty Regions")
local tracks = { "in" }
if xml:find('<Playlist [^>]-name="ref"') then table.insert(tracks, "ref") end
for i, name in ipairs(tracks) do
	xml = replace_once(xml, '(<Playlist [^>]-name="' .. name .. '"[^>]-)/>',
		function(open) return open .. ">" .. region_xml(id_counter + 10 + i, "mixwerk-input." .. i, 0) .. "</Playlist>" end,
		"empty playlist of track " .. name)
end
xml = replace_once(xml, "<Locations/>", string.format('<Locations><Location id="%d" name="session" start="a0" '
	.. 'end="%s" flags="IsSessionRange" locked="0" timestamp="0" cue="0"/></Locations>', range, len),
	"empty Locations")
write_file(session_file, xml)

if not AudioEngine:set_backend("None (Dummy)", "", "") then fail("no Dummy backend") end
if not load_session(session_dir, session_name) then fail("cannot load " .. session_file) end

-- Everything that touches the loaded session runs inside run(); what follows it ends the
-- process without tearing the session down (see the end of this file).
local function run()
	for _, name in ipairs(tracks) do
		local t = Session:route_by_name(name)
		if t:isnil() then fail("track '" .. name .. "' is gone after reloading") end
		local playlist = t:to_track():playlist()
		if playlist:n_regions() ~= 1 then
			fail("track " .. name .. " has " .. playlist:n_regions() .. " regions, expected 1")
		end
		for reg in playlist:region_list():iter() do
			if reg:length():samples() ~= frames then
				fail("the region is " .. reg:length():samples() .. " samples long, the file " .. frames)
			end
		end
	end
	local track = Session:route_by_name("in")
	local srange = Session:locations():session_range_location()
	if not srange then fail("no session range") end
	print(string.format("SESSION %s: region %d samples, session range %d..%d", session_dir, frames,
		srange:start():samples(), srange:_end():samples()))

	-- 3. The plugin.
	local proc = nil
	if plugin_name ~= "-" then
		proc = ARDOUR.LuaAPI.new_plugin(Session, plugin_name, ARDOUR.PluginType.VST3, "")
		if proc:isnil() then
			fail("Ardour does not know the VST3 plugin '" .. plugin_name .. "' (not in $HOME/.vst3, or the scan "
				.. "cache in $HOME/.cache/ardour7/vst is missing or older than the module)")
		end
		if track:add_processor_by_index(proc, 0, nil, true) ~= 0 then
			fail("cannot insert " .. plugin_name .. " on the track")
		end
		proc:activate()
		local plugin = proc:to_insert():plugin(0)
		print("PLUGIN " .. plugin_name .. " inserted, " .. plugin:parameter_count() .. " parameters")
		-- n counts the control inputs, as LuaAPI's parameter functions do.
		for _, setting in ipairs(settings) do
			local n, found = 0, false
			for i = 0, plugin:parameter_count() - 1 do
				if plugin:parameter_is_input(i) and plugin:parameter_is_control(i) then
					if plugin:parameter_label(i) == setting.name then
						local _, _, pd = ARDOUR.LuaAPI.plugin_automation(proc, n)
						if setting.value < pd.lower or setting.value > pd.upper then
							fail(string.format("%s = %g is outside %g .. %g", setting.name, setting.value,
								pd.lower, pd.upper))
						end
						if not ARDOUR.LuaAPI.set_processor_param(proc, n, setting.value) then
							fail("cannot set " .. setting.name)
						end
						print(string.format("SET %s = %g (range %g .. %g), reads back %g", setting.name,
							setting.value, pd.lower, pd.upper, ARDOUR.LuaAPI.get_processor_param(proc, n)))
						found = true
					end
					n = n + 1
				end
			end
			if not found then fail(plugin_name .. " has no parameter '" .. setting.name .. "'") end
		end
	end

	-- Reconnect the track to the master bus. The connection is in the session file and comes
	-- back on load, but in about half the runs the master bus then stays silent for the whole
	-- session (the track's meter shows the signal, the master's -inf; also with no plugin, or
	-- with Ardour's own Lua "ACE Amplifier"): the process graph was built without the edge.
	-- A new connection makes Ardour sort its routes again.
	local master_in = Session:master_out():input()
	for _, name in ipairs(tracks) do
		local out = Session:route_by_name(name):output()
		out:disconnect_all(nil)
		for i = 0, 1 do
			if out:connect(out:audio(i), master_in:audio(i):name(), nil) ~= 0 then
				fail("cannot connect track " .. name .. " to the master bus")
			end
		end
	end

	-- Let the engine run the plugin (activation happens on the process thread), then roll half
	-- a second past the end of the region, where the track plays silence. Not over the region:
	-- Ardour's export does not reset plugins, so what a roll over the audio leaves in a delay
	-- line or reverb tail comes out at the start of the export (measured with the Delay:
	-- echoes of the roll at -47 dB in the export's first 100 ms).
	ARDOUR.LuaAPI.wait_for_process_callback(8, 5000)
	local function locate(sample)
		Session:request_locate(sample, false, ARDOUR.LocateTransportDisposition.MustStop,
			ARDOUR.TransportRequestSource.TRS_UI)
		for _ = 1, 100 do
			ARDOUR.LuaAPI.wait_for_process_callback(1, 1000)
			if Session:transport_sample() == sample then return end
		end
		fail("the transport did not locate to " .. sample)
	end
	locate(frames + RATE)
	Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
	sleep(0.5)
	Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
	ARDOUR.LuaAPI.wait_for_process_callback(8, 5000)
	if Session:transport_sample() <= frames + RATE then fail("the transport did not roll") end
	locate(0)

	local plugin_latency = proc and proc:to_insert():signal_latency() or 0
	local route_latency = track:signal_latency()
	print(string.format("LATENCY plugin %d, track %d, session worst output %d", plugin_latency, route_latency,
		Session:worst_output_latency()))
	if latency_file then
		write_file(latency_file, string.format("plugin=%d\ntrack=%d\n", plugin_latency, route_latency))
	end

	-- 4. Export the session range.
	local export_dir = work_dir .. "/export"
	os.execute("mkdir -p '" .. export_dir .. "'")
	local ex = Session:simple_export()
	ex:set_name("daw-test")
	ex:set_folder(export_dir)
	ex:set_range(srange:start():samples(), srange:_end():samples())
	if not ex:set_preset(PRESET) then fail("export preset " .. PRESET .. " not found (tests/daw/export/)") end
	if not ex:check_outputs() then fail("the export has no outputs") end
	if not ex:run_export() then fail("the export failed") end
	local listing = io.popen("ls '" .. export_dir .. "'")
	local exported = 0
	for name in listing:lines() do
		if name:match("%.wav$") then
			print("EXPORT " .. export_dir .. "/" .. name)
			exported = exported + 1
		end
	end
	listing:close()
	if exported ~= 1 then fail(exported .. " WAV files in " .. export_dir .. ", expected 1") end

end

local ok, err = pcall(run)
-- Ardour 7.3 corrupts its heap while exporting (about one run in two on a loaded machine,
-- also with no plugin at all): glibc then aborts when the export's channel buffers are freed
-- (core dumps: "free(): invalid next size" in PortExportChannel::~PortExportChannel, or
-- "corrupted size vs. prev_size" in AudioGrapher::Normalizer::~Normalizer), when the export
-- objects or the session are destroyed. The export itself is whole (the xtask checks every
-- sample), so nothing is torn down after it: the engine stops and the process exits at once.
-- Also: Lua values holding routes or IOs must never outlive close_session in luasession
-- (valgrind: IO::~IO reading the deleted Session when the garbage collector frees them).
AudioEngine:stop(false)
if not ok then
	io.stderr:write("Error: " .. tostring(err) .. "\n")
	io.stderr:flush()
	os.exit(1)
end
print("DONE")
io.stdout:flush()
os.exit(0)
