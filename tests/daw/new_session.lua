-- First step of every daw-test session: a new session in <work dir>/session on Ardour's Dummy
-- backend (no audio device) with stereo audio tracks, saved.
--
--   ardour7-lua tests/daw/new_session.lua <work dir> <rate> <track name>... [bus:<name>...]
--
-- A name "bus:<name>" makes a stereo audio bus instead of a track. The session is made in
-- its own process: closing a session and loading one in the same ardour7-lua process crashed
-- now and then (SIGSEGV between close_session and load_session), most likely the use after
-- free described in lib.lua (run_and_exit).

io.stdout:setvbuf("line")
local work_dir, rate = arg[1], tonumber(arg[2])
if not work_dir or not rate or not arg[3] then
	error("usage: ardour7-lua new_session.lua <work dir> <rate> <track name>...", 0)
end
if not AudioEngine:set_backend("None (Dummy)", "", "") then error("daw-test: no Dummy backend", 0) end
if not create_session(work_dir .. "/session", "daw-test", rate) then
	error("daw-test: cannot create the session in " .. work_dir .. "/session", 0)
end
-- In a function, so that no Lua value holds a route when the session closes.
local function run()
	for i = 3, #arg do
		local bus = arg[i]:match("^bus:(.+)$")
		local made
		if bus then
			made = Session:new_audio_route(2, 2, nil, 1, bus, ARDOUR.PresentationInfo.Flag.AudioBus,
				ARDOUR.PresentationInfo.max_order)
		else
			made = Session:new_audio_track(2, 2, nil, 1, arg[i], ARDOUR.PresentationInfo.max_order,
				ARDOUR.TrackMode.Normal, true)
		end
		if made:size() ~= 1 then error("daw-test: cannot create " .. arg[i], 0) end
	end
	if Session:sample_rate() ~= rate then
		error(string.format("daw-test: the session runs at %d Hz, not %d", Session:sample_rate(), rate), 0)
	end
	Session:save_state("", false, false, false, false, false)
end
local ok, err = pcall(run)
collectgarbage("collect")
collectgarbage("collect")
close_session()
if not ok then error(err, 0) end
print("CREATED " .. work_dir .. "/session/daw-test.ardour")
