-- The second half of the state round trip (xtask/src/daw/sessions.rs): a saved session
-- opened in a new ardour7-lua process and exported as it was saved.
--
--   ardour7-lua tests/daw/state_load.lua <work dir> [<input.wav>]
--
-- Loads <work dir>/session/daw-test.ardour (its track "in" with one region), switches its
-- plugins off and on and rolls past the region (lib.lua: restart, prime; as state_save.lua
-- before its exports), saves the loaded state again as the
-- snapshot "reloaded" (reloaded.ardour beside it, before the export: Ardour 7.3 may crash
-- after one) and writes <work dir>/export/reloaded.wav. With <input.wav>, its channels are
-- first written where place_regions puts the first input (mixwerk-input-1%L.wav and %R.wav):
-- a committed session fixture carries no audio, so the test writes it.

io.stdout:setvbuf("line")
local daw = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "lib.lua")
local work_dir, input_wav = arg[1], arg[2]
if not work_dir then daw.fail("usage: ardour7-lua state_load.lua <work dir> [<input.wav>]") end
local session_dir = work_dir .. "/session"
if input_wav then
	local audiofiles = session_dir .. "/interchange/session/audiofiles"
	os.execute("mkdir -p '" .. audiofiles .. "'")
	local mono = daw.split_wav(input_wav)
	daw.write_file(audiofiles .. "/mixwerk-input-1%L.wav", mono[1])
	daw.write_file(audiofiles .. "/mixwerk-input-1%R.wav", mono[2])
end
daw.load(session_dir)

daw.run_and_exit(function()
	local range = Session:locations():session_range_location()
	if not range then daw.fail("the saved session has no session range") end
	local frames = range:_end():samples()
	daw.check_regions({ "in" }, frames)
	local procs = {}
	while true do
		local proc = daw.route("in"):nth_plugin(#procs)
		if proc:isnil() then break end
		table.insert(procs, proc)
		print("LOADED " .. proc:name() .. (proc:active() and " (active)" or " (INACTIVE)"))
		if not proc:active() then daw.fail(proc:name() .. " was loaded inactive") end
	end
	if #procs == 0 then daw.fail("no plugin on the track 'in' of the saved session") end
	daw.connect_to_master({ "in" })
	daw.restart(procs)
	daw.prime(frames, Session:nominal_sample_rate())
	Session:save_state("reloaded", false, false, false, false, false)
	daw.export(work_dir .. "/export", "reloaded")
end)
