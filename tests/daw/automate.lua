-- One Mixwerk VST3 on the track "in", with automation lanes on its parameters written into
-- the session and played from the timeline, exported with Ardour's exporter.
--
--   ardour7-lua tests/daw/automate.lua <plugin name> <input.wav> <work dir>
--                                      [<name>=<value> | <name>@<sample>:<value>,...]...
--
-- `<name>=<value>` sets a parameter (lib.lua: set_params); `<name>@<sample>:<value>,...`
-- writes the lane of that parameter from the listed points (timeline position in samples,
-- value in Ardour's units, the parameter's plain value) and plays it (state Play). Ardour
-- interpolates a lane linearly between its points; a step is two points 2 ms apart (closer
-- points are merged by Ardour: see Lane::step in xtask/src/daw/automation.rs).
-- `cargo xtask daw-test` judges the export (xtask/src/daw/automation.rs).

io.stdout:setvbuf("line")
local daw = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "lib.lua")
local plugin_name, input_wav, work_dir = arg[1], arg[2], arg[3]
if not (plugin_name and input_wav and work_dir) then
	daw.fail("usage: ardour7-lua automate.lua <plugin name> <input.wav> <work dir> [name=value | name@s:v,...]...")
end
local settings, lanes = {}, {}
for i = 4, #arg do
	local name, points = arg[i]:match("^(.-)@([-%d.e:,]+)$")
	if name then
		local lane = { name = name, points = {} }
		for s, v in points:gmatch("([%d]+):([-%d.e]+)") do
			table.insert(lane.points, { tonumber(s), tonumber(v) })
		end
		if #lane.points < 1 then daw.fail("no points in " .. arg[i]) end
		table.insert(lanes, lane)
	else
		for _, s in ipairs(daw.parse_settings({ arg[i] }, 1)) do table.insert(settings, s) end
	end
end

daw.run_session(work_dir, { { track = "in", wav = input_wav } }, function(frames, rate)
	local proc = daw.insert(daw.route("in"), plugin_name, 0)
	daw.set_params(proc, settings)
	for _, lane in ipairs(lanes) do
		daw.lane(proc, lane.name, lane.points)
	end
	daw.connect_to_master({ "in" })
	daw.prime(frames, rate)
	print(string.format("ENGINE block %d samples at %d Hz", Session:get_block_size(), rate))
	daw.export(work_dir .. "/export")
end)
