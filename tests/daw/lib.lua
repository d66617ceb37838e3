-- What every daw-test script does with Ardour 7.3's headless Lua session runner
-- (ardour7-lua), written once. A script loads it with
--
--   local daw = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "lib.lua")
--
-- and then, in the order a user would: daw.place_regions (the input WAVs as regions, into
-- the saved session file) and daw.load (both in daw.run_session), daw.insert /
-- daw.set_params / daw.lane, daw.connect_to_master, daw.prime, daw.export, and finally
-- daw.finish (which never tears the session down: see there). Every failure raises a Lua
-- error starting "daw-test: ".

local M = {}

-- Ardour 7 stores timeline positions in superclock ticks ("a<ticks>"); the session file of a
-- 7.3 session says superclocks-per-second="282240000" (checked in place_regions, not assumed).
M.SUPERCLOCK = 282240000
-- The float WAV export preset installed by the xtask (tests/daw/export/mixwerk-float.preset).
M.PRESET = "6b1f4e5e-0c1d-4c39-9a7e-4d2a6f3b9c01"
M.SESSION_NAME = "daw-test"

function M.fail(msg)
	error("daw-test: " .. msg, 0)
end
local fail = M.fail

function M.read_file(path)
	local f = io.open(path, "rb") or fail("cannot read " .. path)
	local text = f:read("a")
	f:close()
	return text
end

function M.write_file(path, text)
	local f = io.open(path, "wb") or fail("cannot write " .. path)
	f:write(text)
	f:close()
end

-- `name=value` arguments (from the xtask) as { name = ..., value = number }.
function M.parse_settings(args, first)
	local settings = {}
	for i = first, #args do
		local name, value = args[i]:match("^(.-)=([-%d.e]+)$")
		if not name then fail("not <parameter name>=<number>: " .. args[i]) end
		table.insert(settings, { name = name, value = tonumber(value) })
	end
	return settings
end

-- A WAV file's channels as mono WAV files (same sample format), its length in frames and
-- its rate: Ardour's import writes a stereo file as two mono files (name%L.wav, name%R.wav),
-- so the session is what a user's import would give.
function M.split_wav(path)
	local data = M.read_file(path)
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
			return files, frames, rate
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

-- Puts stereo WAV files as regions at 0 on tracks of the saved (not loaded) session in
-- `session_dir`: `placements` is a list of { track = name, wav = path }. Returns the longest
-- region's length in frames (also the session range), and the rate of the files.
--
-- Ardour 7.3's Lua has no import call (the import lives in the GUI's Editor), so this writes
-- what an import writes: each file's channels as mono files in the session's audiofiles
-- folder, their Sources, the whole-file region, each playlist's region and the session range,
-- into the session file, which Ardour then loads.
function M.place_regions(session_dir, placements)
	local session_file = session_dir .. "/" .. M.SESSION_NAME .. ".ardour"
	local xml = M.read_file(session_file)
	local tps = xml:match('superclocks%-per%-second="(%d+)"')
	if tonumber(tps) ~= M.SUPERCLOCK then fail("unexpected superclocks-per-second " .. tostring(tps)) end
	local session_rate = tonumber(xml:match('<Session [^>]-sample%-rate="(%d+)"'))
	-- The interchange folder is named after the session directory.
	local audiofiles = session_dir .. "/interchange/session/audiofiles"
	local next_id = tonumber(xml:match('id%-counter="(%d+)"')) or fail("no id-counter")
	local function id()
		next_id = next_id + 1
		return next_id
	end
	local sources, whole_regions, longest, rate = {}, {}, 0, nil
	local by_file = {}
	for i, p in ipairs(placements) do
		local file = by_file[p.wav]
		if not file then
			local mono, frames, file_rate = M.split_wav(p.wav)
			if #mono ~= 2 then fail(p.wav .. " has " .. #mono .. " channels, the tracks are stereo") end
			if session_rate and file_rate ~= session_rate then
				fail(string.format("%s is %d Hz, the session %d Hz", p.wav, file_rate, session_rate))
			end
			rate = file_rate
			local base = "mixwerk-input-" .. i
			file = { base = base, frames = frames, src = { id(), id() } }
			for c = 1, 2 do
				local name = base .. (c == 1 and "%L" or "%R") .. ".wav"
				M.write_file(audiofiles .. "/" .. name, mono[c])
				-- origin="" as in a recorded or imported source: Ardour shares one Source among
				-- entries with the same origin and channel, so two mono files with the input's
				-- path as origin (both channel 0) played the left file on both sides.
				table.insert(sources, string.format('<Source name="%s" type="audio" flags="" id="%d" '
					.. 'natural-position="a0" channel="0" origin="" gain="1"/>', name, file.src[c]))
			end
			by_file[p.wav] = file
			longest = math.max(longest, frames)
		end
		p.file = file
	end
	local function len(frames)
		return "a" .. (frames * (M.SUPERCLOCK // rate))
	end
	local function region_xml(region_id, name, whole_file, file)
		-- Fades off: Ardour's default 64-sample region fades would change the first and last
		-- samples, and the comparison wants the file as it is.
		return string.format('<Region name="%s" muted="0" opaque="1" locked="0" video-locked="0" automatic="0" '
			.. 'whole-file="%d" import="1" external="0" sync-marked="0" left-of-split="0" right-of-split="0" '
			.. 'hidden="0" position-locked="0" valid-transients="0" start="a0" length="%s@a0" sync-position="a0" '
			.. 'ancestral-start="a0" ancestral-length="a0@a0" stretch="1" shift="1" layering-index="0" tags="" '
			.. 'contents="0" envelope-active="0" default-fade-in="0" default-fade-out="0" fade-in-active="0" '
			.. 'fade-out-active="0" scale-amplitude="1" id="%d" type="audio" first-edit="nothing" '
			.. 'source-0="%d" source-1="%d" master-source-0="%d" master-source-1="%d" channels="2"/>',
			name, whole_file, len(file.frames), region_id, file.src[1], file.src[2], file.src[1], file.src[2])
	end
	for _, file in pairs(by_file) do
		table.insert(whole_regions, region_xml(id(), file.base, 1, file))
	end
	for i, p in ipairs(placements) do
		xml = replace_once(xml, '(<Playlist [^>]-name="' .. p.track .. '"[^>]-)/>',
			function(open)
				return open .. ">" .. region_xml(id(), p.file.base .. "." .. i, 0, p.file) .. "</Playlist>"
			end, "empty playlist of track " .. p.track)
	end
	xml = replace_once(xml, "<Sources/>", "<Sources>" .. table.concat(sources) .. "</Sources>", "empty Sources")
	xml = replace_once(xml, "<Regions/>", "<Regions>" .. table.concat(whole_regions) .. "</Regions>",
		"empty Regions")
	xml = replace_once(xml, "<Locations/>", string.format('<Locations><Location id="%d" name="session" '
		.. 'start="a0" end="%s" flags="IsSessionRange" locked="0" timestamp="0" cue="0"/></Locations>', id(),
		len(longest)), "empty Locations")
	xml = replace_once(xml, 'id%-counter="%d+"', 'id-counter="' .. (next_id + 100) .. '"', "id-counter")
	M.write_file(session_file, xml)
	return longest, rate
end

-- Loads the session on the Dummy backend (no audio device).
function M.load(session_dir)
	if not AudioEngine:set_backend("None (Dummy)", "", "") then fail("no Dummy backend") end
	if not load_session(session_dir, M.SESSION_NAME) then
		fail("cannot load " .. session_dir .. "/" .. M.SESSION_NAME .. ".ardour")
	end
end

function M.route(name)
	local r = Session:route_by_name(name)
	if r:isnil() then fail("no route '" .. name .. "' in the session") end
	return r
end

-- Checks that each named track has exactly one region of `frames` samples.
function M.check_regions(track_names, frames)
	for _, name in ipairs(track_names) do
		local playlist = M.route(name):to_track():playlist()
		if playlist:n_regions() ~= 1 then
			fail("track " .. name .. " has " .. playlist:n_regions() .. " regions, expected 1")
		end
		for reg in playlist:region_list():iter() do
			if reg:length():samples() ~= frames then
				fail("the region on " .. name .. " is " .. reg:length():samples() .. " samples long, expected "
					.. frames)
			end
		end
	end
end

-- A Mixwerk VST3 as a new processor (not inserted yet).
function M.new_plugin(plugin_name)
	local proc = ARDOUR.LuaAPI.new_plugin(Session, plugin_name, ARDOUR.PluginType.VST3, "")
	if proc:isnil() then
		fail("Ardour does not know the VST3 plugin '" .. plugin_name .. "' (not in $HOME/.vst3, or the scan "
			.. "cache in $HOME/.cache/ardour7/vst is missing or older than the module)")
	end
	return proc
end

-- Inserts a Mixwerk VST3 at `index` (0: first, pre-fader) on `route`, active.
function M.insert(route, plugin_name, index)
	local proc = M.new_plugin(plugin_name)
	if route:add_processor_by_index(proc, index or 0, nil, true) ~= 0 then
		fail("cannot insert " .. plugin_name .. " on " .. route:name())
	end
	proc:activate()
	print("PLUGIN " .. plugin_name .. " inserted on " .. route:name() .. ", "
		.. proc:to_insert():plugin(0):parameter_count() .. " parameters")
	return proc
end

-- The control-input number of the parameter Ardour names `name` (what LuaAPI's parameter
-- functions count), and its ParameterDescriptor.
function M.param(proc, name)
	local plugin = proc:to_insert():plugin(0)
	local n = 0
	for i = 0, plugin:parameter_count() - 1 do
		if plugin:parameter_is_input(i) and plugin:parameter_is_control(i) then
			if plugin:parameter_label(i) == name then
				local _, _, pd = ARDOUR.LuaAPI.plugin_automation(proc, n)
				return n, pd
			end
			n = n + 1
		end
	end
	fail(plugin:name() .. " has no parameter '" .. name .. "'")
end

-- Sets parameters by their names as Ardour lists them, in Ardour's units for the plugin:
-- for a VST3 the plain value of its controller (normalizedParamToPlain; for nice-plug the
-- parameter's own unit, dB, ms, %, or an enum's index), not the normalised 0..1.
function M.set_params(proc, settings)
	for _, setting in ipairs(settings) do
		local n, pd = M.param(proc, setting.name)
		if setting.value < pd.lower or setting.value > pd.upper then
			fail(string.format("%s = %g is outside %g .. %g", setting.name, setting.value, pd.lower, pd.upper))
		end
		if not ARDOUR.LuaAPI.set_processor_param(proc, n, setting.value) then fail("cannot set " .. setting.name) end
		print(string.format("SET %s = %g (range %g .. %g), reads back %g", setting.name, setting.value, pd.lower,
			pd.upper, ARDOUR.LuaAPI.get_processor_param(proc, n)))
	end
end

-- Writes an automation lane on the parameter `name`: `points` is a list of { sample, value }
-- in Ardour's units (see set_params); the lane is then played (state Play).
function M.lane(proc, name, points)
	local n, pd = M.param(proc, name)
	local al = ARDOUR.LuaAPI.plugin_automation(proc, n)
	if al:isnil() then fail("no automation list for " .. name) end
	al:clear_list()
	for _, p in ipairs(points) do
		if p[2] < pd.lower or p[2] > pd.upper then
			fail(string.format("lane %s: %g is outside %g .. %g", name, p[2], pd.lower, pd.upper))
		end
		al:add(Temporal.timepos_t(p[1]), p[2], false, true)
	end
	local control = proc:to_insert():to_automatable():automation_control(
		Evoral.Parameter(ARDOUR.AutomationType.PluginAutomation, 0, n), false)
	if control:isnil() then fail("no automation control for " .. name) end
	control:set_automation_state(ARDOUR.AutoState.Play)
	local events = {}
	for e in al:events():iter() do
		table.insert(events, string.format("%d:%g", e.when:samples(), e.value))
	end
	print(string.format("LANE %s: %d points, state Play, events %s", name, #points, table.concat(events, " ")))
end

-- Reconnects each track's output to the master bus. The connection is in the session file
-- and comes back on load, but in about half the runs the master bus then stays silent for
-- the whole session (the track's meter shows the signal, the master's -inf; also with no
-- plugin, or with Ardour's own Lua "ACE Amplifier"): the process graph was built without
-- the edge. A new connection makes Ardour sort its routes again.
function M.connect_to_master(route_names)
	local master_in = Session:master_out():input()
	for _, name in ipairs(route_names) do
		local out = M.route(name):output()
		out:disconnect_all(nil)
		for i = 0, 1 do
			if out:connect(out:audio(i), master_in:audio(i):name(), nil) ~= 0 then
				fail("cannot connect " .. name .. " to the master bus")
			end
		end
	end
end

function M.locate(sample)
	Session:request_locate(sample, false, ARDOUR.LocateTransportDisposition.MustStop,
		ARDOUR.TransportRequestSource.TRS_UI)
	for _ = 1, 100 do
		ARDOUR.LuaAPI.wait_for_process_callback(1, 1000)
		if Session:transport_sample() == sample then return end
	end
	fail("the transport did not locate to " .. sample)
end

-- Lets the engine run the plugins (activation happens on the process thread), then rolls
-- half a second past the end of the regions, where the tracks play silence, and locates
-- back to 0. Not over the regions: Ardour's export does not reset plugins, so what a roll
-- over the audio leaves in a delay line or reverb tail comes out at the start of the export
-- (measured with the Delay: echoes of the roll at -47 dB in the export's first 100 ms).
function M.prime(frames, rate)
	ARDOUR.LuaAPI.wait_for_process_callback(8, 5000)
	M.locate(frames + rate)
	Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
	sleep(0.5)
	Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
	ARDOUR.LuaAPI.wait_for_process_callback(8, 5000)
	if Session:transport_sample() <= frames + rate then fail("the transport did not roll") end
	M.locate(0)
end

-- Exports the session range with Ardour's export (32-bit float WAV, no dither, no
-- normalisation) as <dir>/<name>.wav; prints "EXPORT <path>" and returns the path.
function M.export(dir, name)
	name = name or "daw-test"
	local srange = Session:locations():session_range_location()
	if not srange then fail("no session range") end
	os.execute("mkdir -p '" .. dir .. "'")
	local ex = Session:simple_export()
	ex:set_name(name)
	ex:set_folder(dir)
	ex:set_range(srange:start():samples(), srange:_end():samples())
	if not ex:set_preset(M.PRESET) then fail("export preset " .. M.PRESET .. " not found (tests/daw/export/)") end
	if not ex:check_outputs() then fail("the export has no outputs") end
	if not ex:run_export() then fail("the export failed") end
	local path = dir .. "/" .. name .. ".wav"
	local f = io.open(path, "rb")
	if not f then fail("the export wrote no " .. path) end
	f:close()
	print("EXPORT " .. path)
	return path
end

-- Runs `body` (everything that touches the loaded session) and ends the process.
--
-- Ardour 7.3 corrupts its heap while exporting (about one run in three on a loaded machine,
-- also with no plugin at all): glibc then aborts or faults when the export's objects, the
-- engine's ports or the session are freed (core dumps: "free(): invalid next size" in
-- PortExportChannel::~PortExportChannel, "corrupted size vs. prev_size" in
-- AudioGrapher::Normalizer::~Normalizer, malloc's unlink_chunk under AudioEngine::stop). The
-- export itself is whole (the xtask checks every sample), so after a successful run nothing
-- is torn down: the script prints "DONE" and the process kills itself (SIGKILL skips every
-- destructor; `ardour7-lua` execs luasession, the parent of os.execute's shell), which the
-- xtask takes as success only after "DONE". A failed run stops the engine and exits 1.
-- Also: Lua values holding routes or IOs must never outlive close_session in luasession
-- (valgrind: IO::~IO reading the deleted Session when the garbage collector frees them).
function M.run_and_exit(body)
	local ok, err = pcall(body)
	if ok then
		print("DONE")
		io.stdout:flush()
		io.stderr:flush()
		os.execute("kill -KILL $PPID")
	end
	AudioEngine:stop(false)
	if not ok then
		io.stderr:write("Error: " .. tostring(err) .. "\n")
		io.stderr:flush()
		os.exit(1)
	end
	os.exit(0)
end

-- The frame of every script on one work directory: places `placements` ({ track = name, wav =
-- path }, as place_regions) into <work_dir>/session, loads it, and runs
-- `body(frames, rate, session_dir)` as run_and_exit does, once each track is checked to
-- hold its region.
function M.run_session(work_dir, placements, body)
	local session_dir = work_dir .. "/session"
	local frames, rate = M.place_regions(session_dir, placements)
	M.load(session_dir)
	M.run_and_exit(function()
		local tracks = {}
		for i, p in ipairs(placements) do tracks[i] = p.track end
		M.check_regions(tracks, frames)
		body(frames, rate, session_dir)
	end)
end

-- Switches each processor in `procs` off and on (for a VST3: setActive(false), then true,
-- on which a plugin clears its delay lines, tails and modulators). Ardour's export does not
-- reset plugins, and prime's half second of silence does not empty a long reverb (a 3.5 s
-- decay left 2e-3 in the next export): after this, an export starts from a plugin's
-- state as a freshly loaded session would have it.
function M.restart(procs)
	for _, p in ipairs(procs) do p:deactivate() end
	ARDOUR.LuaAPI.wait_for_process_callback(4, 5000)
	for _, p in ipairs(procs) do p:activate() end
	ARDOUR.LuaAPI.wait_for_process_callback(4, 5000)
end

return M
