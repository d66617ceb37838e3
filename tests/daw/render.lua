-- Render one WAV through one Mixwerk VST3 plugin in headless Ardour and export the result
-- with Ardour's own exporter.
--
--   ardour7-lua tests/daw/render.lua <plugin name|-> <input.wav> <work dir> [latency file]
--                                    [<parameter name>=<value>...]
--
-- `cargo xtask daw-test` runs this once per plugin (see xtask/src/daw.rs), after staging the
-- .vst3 bundles in $HOME/.vst3, scanning them with Ardour's VST3 scanner and installing the
-- float export preset (tests/daw/export/) in $HOME/.config/ardour7/export, and after
-- new_session.lua made <work dir>/session with the track "in" (and maybe "ref"). A plugin
-- name of "-" inserts nothing: the harness's own baseline (the export must equal the input).
-- Parameters are set by their names as Ardour lists them (lib.lua: set_params). If the
-- session has the track "ref", it gets the same region and no plugin: the export is then the
-- sum of the plugin's track and the dry one (latency compensation).
--
-- The script prints "EXPORT <path>" and, if asked, writes the plugin's reported latency and
-- the track's signal latency to [latency file]. Any failure raises a Lua error: ardour7-lua
-- then exits with a non-zero status. A plugin crash kills the process with its signal.

io.stdout:setvbuf("line")
local daw = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "lib.lua")
local plugin_name, input_wav, work_dir, latency_file = arg[1], arg[2], arg[3], arg[4]
if not (plugin_name and input_wav and work_dir) then
	daw.fail("usage: ardour7-lua render.lua <plugin name|-> <input.wav> <work dir> [latency file] [name=value...]")
end
local settings = daw.parse_settings(arg, 5)

local session_dir = work_dir .. "/session"
local tracks = { "in" }
if daw.read_file(session_dir .. "/daw-test.ardour"):find('<Playlist [^>]-name="ref"') then
	table.insert(tracks, "ref")
end
local placements = {}
for _, t in ipairs(tracks) do table.insert(placements, { track = t, wav = input_wav }) end
daw.run_session(work_dir, placements, function(frames, rate)
	local track = daw.route("in")
	local proc = nil
	if plugin_name ~= "-" then
		proc = daw.insert(track, plugin_name, 0)
		daw.set_params(proc, settings)
	end
	daw.connect_to_master(tracks)
	daw.prime(frames, rate)

	local plugin_latency = proc and proc:to_insert():signal_latency() or 0
	local route_latency = track:signal_latency()
	print(string.format("LATENCY plugin %d, track %d, session worst output %d", plugin_latency, route_latency,
		Session:worst_output_latency()))
	if latency_file then
		daw.write_file(latency_file, string.format("plugin=%d\ntrack=%d\n", plugin_latency, route_latency))
	end
	daw.export(work_dir .. "/export")
end)
