-- Mixwerk Strip on every track, the way a user mixes with it: the tracks t1 … tN (made by
-- new_session.lua), each playing its own WAV through its own Mixwerk Strip with its own
-- settings and automation lanes, all summed by Ardour's master bus, which is exported.
--
--   ardour7-lua tests/daw/strips.lua <work dir> <t1.wav> ... <tN.wav>
--                                    [t<i>:<name>=<value> | t<i>:<name>@<sample>:<value>,...]...
--
-- `t<i>:<name>=<value>` sets a parameter of track i's Strip (lib.lua: set_params);
-- `t<i>:<name>@<sample>:<value>,...` writes that parameter's lane from the listed points
-- (timeline position in samples, the parameter's plain value) and plays it (state Play), as
-- automate.lua does for one plugin. `cargo xtask daw-test` judges the export
-- (xtask/src/daw/strips.rs).

io.stdout:setvbuf("line")
local daw = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "lib.lua")
local PLUGIN = "Mixwerk Strip"
local work_dir = arg[1]
if not work_dir then
	daw.fail("usage: ardour7-lua strips.lua <work dir> <wav>... [t<i>:name=value | t<i>:name@s:v,...]...")
end
local wavs, per_track = {}, {}
local i = 2
while i <= #arg and not arg[i]:match("^t%d+:") do
	table.insert(wavs, arg[i])
	i = i + 1
end
if #wavs < 1 then daw.fail("no WAV files") end
for n = 1, #wavs do per_track[n] = { settings = {}, lanes = {} } end
for k = i, #arg do
	local n, rest = arg[k]:match("^t(%d+):(.+)$")
	local track = n and per_track[tonumber(n)]
	if not track then daw.fail("not t<1.." .. #wavs .. ">:<setting or lane>: " .. arg[k]) end
	local name, points = rest:match("^(.-)@([-%d.e:,]+)$")
	if name then
		local lane = { name = name, points = {} }
		for s, v in points:gmatch("([%d]+):([-%d.e]+)") do
			table.insert(lane.points, { tonumber(s), tonumber(v) })
		end
		if #lane.points < 1 then daw.fail("no points in " .. arg[k]) end
		table.insert(track.lanes, lane)
	else
		for _, s in ipairs(daw.parse_settings({ rest }, 1)) do table.insert(track.settings, s) end
	end
end

local placements, names = {}, {}
for n, wav in ipairs(wavs) do
	names[n] = "t" .. n
	placements[n] = { track = names[n], wav = wav }
end
daw.run_session(work_dir, placements, function(frames, rate)
	for n, name in ipairs(names) do
		local proc = daw.insert(daw.route(name), PLUGIN, 0)
		daw.set_params(proc, per_track[n].settings)
		for _, lane in ipairs(per_track[n].lanes) do
			daw.lane(proc, lane.name, lane.points)
		end
	end
	daw.connect_to_master(names)
	daw.prime(frames, rate)
	print(string.format("ENGINE block %d samples at %d Hz", Session:get_block_size(), rate))
	daw.export(work_dir .. "/export")
end)
