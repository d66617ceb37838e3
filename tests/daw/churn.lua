-- The crash check (xtask/src/daw/churn.rs): a Mixwerk VST3 inserted, removed and inserted
-- again while the engine runs and the transport rolls over the audio, then exported.
--
--   ardour7-lua tests/daw/churn.lua <plugin> <input.wav> <work dir> [<cycles>]
--
-- After new_session.lua made <work dir>/session (at any rate, the input at the same rate)
-- with the track "in". With the transport rolling from 0: the plugin is inserted, the engine
-- runs <cycles> process cycles (default 10), the plugin is removed (Route:remove_processor,
-- and the Lua reference dropped and collected, so that Ardour may destroy the instance
-- while the engine runs), <cycles> more, a new instance is inserted, <cycles> more; all of
-- it must happen before the transport leaves the region, so that the plugin is added and
-- removed while audio flows through the track. The transport is then stopped, the track
-- must hold exactly the new instance, which is switched off and on (clearing what it
-- processed during the churn), and the session range is exported (lib.lua: prime, export)
-- to <work dir>/export/daw-test.wav with the new instance at its defaults.

io.stdout:setvbuf("line")
local daw = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "lib.lua")
local plugin_name, input_wav, work_dir = arg[1], arg[2], arg[3]
local cycles = tonumber(arg[4] or "10")
if not (plugin_name and input_wav and work_dir) then
	daw.fail("usage: ardour7-lua churn.lua <plugin> <input.wav> <work dir> [<cycles>]")
end

local session_dir = work_dir .. "/session"
local frames, rate = daw.place_regions(session_dir, { { track = "in", wav = input_wav } })
daw.load(session_dir)

local function run(n)
	if not ARDOUR.LuaAPI.wait_for_process_callback(n, 5000) then daw.fail("the engine stopped processing") end
end

-- Fails unless the transport is still rolling inside the region.
local function rolling(step)
	local at = Session:transport_sample()
	if not Session:transport_rolling() then daw.fail("the transport stopped before " .. step) end
	if at >= frames then
		daw.fail(string.format("the transport left the region (%d of %d samples) before %s", at, frames, step))
	end
	print(string.format("ROLLING at %d of %d samples: %s", at, frames, step))
end

daw.run_and_exit(function()
	daw.check_regions({ "in" }, frames)
	daw.connect_to_master({ "in" })
	run(8)
	daw.locate(0)
	Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
	for _ = 1, 100 do
		if Session:transport_rolling() and Session:transport_sample() > 0 then break end
		run(1)
	end
	rolling("the first insert")
	local first = daw.insert(daw.route("in"), plugin_name, 0)
	run(cycles)
	rolling("the removal")
	if daw.route("in"):remove_processor(first, nil, true) ~= 0 then daw.fail("cannot remove " .. plugin_name) end
	first = nil
	collectgarbage("collect")
	collectgarbage("collect")
	print("REMOVED " .. plugin_name)
	run(cycles)
	rolling("the second insert")
	daw.insert(daw.route("in"), plugin_name, 0)
	run(cycles)
	rolling("the stop")
	Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
	run(8)
	local track = daw.route("in")
	local plugin = track:nth_plugin(0)
	if plugin:isnil() or plugin:name() ~= plugin_name or not track:nth_plugin(1):isnil() then
		daw.fail("after the churn the track does not hold exactly one " .. plugin_name)
	end
	-- What the new instance processed while rolling is still in its delay lines and reverb
	-- tail, and Ardour's export does not reset plugins (see lib.lua: prime): switched off and
	-- on, as a user would, the instance is reset (VST3 setActive) and the export is judged
	-- like a fresh insert's. One more activation cycle on the churned instance, too.
	daw.restart({ plugin })
	print("RESTARTED " .. plugin_name)
	plugin = nil
	daw.prime(frames, rate)
	daw.export(work_dir .. "/export")
end)
