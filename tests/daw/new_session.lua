-- First step of a daw-test render (see render.lua): a new 48 kHz session in <work dir>/session
-- on Ardour's Dummy backend (no audio device) with one stereo audio track "in", saved.
--
--   ardour7-lua tests/daw/new_session.lua <work dir> [ref]
--
-- With "ref", a second stereo track "ref" too (the dry reference of a latency test).

io.stdout:setvbuf("line")
local work_dir = arg[1] or error("usage: ardour7-lua new_session.lua <work dir>", 0)
if not AudioEngine:set_backend("None (Dummy)", "", "") then error("daw-test: no Dummy backend", 0) end
if not create_session(work_dir .. "/session", "daw-test", 48000) then
	error("daw-test: cannot create the session in " .. work_dir .. "/session", 0)
end
-- In a function, so that no Lua value holds the track when the session closes (a use after
-- free in luasession otherwise; see render.lua).
local function run()
	local tracks = Session:new_audio_track(2, 2, nil, 1, "in", ARDOUR.PresentationInfo.max_order,
		ARDOUR.TrackMode.Normal, true)
	if tracks:size() ~= 1 then error("daw-test: cannot create the stereo track", 0) end
	if arg[2] == "ref" then
		local refs = Session:new_audio_track(2, 2, nil, 1, "ref", ARDOUR.PresentationInfo.max_order,
			ARDOUR.TrackMode.Normal, true)
		if refs:size() ~= 1 then error("daw-test: cannot create the track ref", 0) end
	end
	Session:save_state("", false, false, false, false, false)
end
local ok, err = pcall(run)
collectgarbage("collect")
collectgarbage("collect")
close_session()
if not ok then error(err, 0) end
print("CREATED " .. work_dir .. "/session/daw-test.ardour")
