-- Routing in a real DAW: other tracks feeding a Mixwerk VST3's auxiliary (sidechain) inputs
-- through Ardour's sidechain IO, as a user patches them in the pin manager.
--
--   ardour7-lua tests/daw/routing.lua console <work dir> <bus1.wav> ... <bus8.wav> [name=value...]
--   ardour7-lua tests/daw/routing.lua sidechain <work dir> <in.wav> <key.wav> [name=value...]
--
-- console: new_session.lua made the tracks t1 … t8 and the audio bus "mix"; each track gets
-- its WAV, Mixwerk Channel Strip goes on "mix", t1 feeds the bus's input (the strip's main
-- input, bus 1) and t2 … t8 feed the sidechain inputs Ardour adds to the plugin (its aux
-- inputs, buses 2 … 8, two ports each, in order); only "mix" reaches the master bus.
-- sidechain: the tracks "in" and "key"; Mixwerk Compressor on "in", whose sidechain input is
-- fed by "key"; only "in" reaches the master bus.
-- Parameters are set as in lib.lua's set_params; the master bus is exported.

io.stdout:setvbuf("line")
local daw = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "lib.lua")
local mode, work_dir = arg[1], arg[2]
local wavs, first_setting = {}, 3
for i = 3, #arg do
	if arg[i]:find("=") then break end
	table.insert(wavs, arg[i])
	first_setting = i + 1
end
local settings = daw.parse_settings(arg, first_setting)

local sources, plugin_name, host, direct
if mode == "console" then
	if #wavs ~= 8 then daw.fail("console needs 8 WAV files, got " .. #wavs) end
	sources, plugin_name, host = {}, "Mixwerk Channel Strip", "mix"
	for i = 1, 8 do sources[i] = "t" .. i end
elseif mode == "sidechain" then
	if #wavs ~= 2 then daw.fail("sidechain needs 2 WAV files, got " .. #wavs) end
	sources, plugin_name, host = { "in", "key" }, "Mixwerk Compressor", "in"
else
	daw.fail("usage: ardour7-lua routing.lua console|sidechain <work dir> <wav>... [name=value...]")
end

local placements = {}
for i, track in ipairs(sources) do table.insert(placements, { track = track, wav = wavs[i] }) end
local function connect(from_io, ports)
	from_io:disconnect_all(nil)
	for c = 0, 1 do
		if from_io:connect(from_io:audio(c), ports[c + 1], nil) ~= 0 then
			daw.fail("cannot connect " .. from_io:name() .. " to " .. ports[c + 1])
		end
	end
end

daw.run_session(work_dir, placements, function(frames, rate)
	local route = daw.route(host)
	local proc = daw.insert(route, plugin_name, 0)
	daw.set_params(proc, settings)
	if not route:add_sidechain(proc) then daw.fail("Ardour cannot add a sidechain input to " .. plugin_name) end
	local sc = proc:to_insert():sidechain_input()
	if sc:isnil() then daw.fail("no sidechain input after add_sidechain") end
	print(string.format("SIDECHAIN %d audio ports, the plugin takes %d inputs", sc:n_ports():n_audio(),
		proc:to_insert():natural_input_streams():n_audio()))
	local master_in = Session:master_out():input()
	local to_master = { master_in:audio(0):name(), master_in:audio(1):name() }
	if mode == "console" then
		connect(daw.route("t1"):output(), { route:input():audio(0):name(), route:input():audio(1):name() })
		for i = 2, 8 do
			local port = (i - 2) * 2
			if sc:n_ports():n_audio() < port + 2 then daw.fail("the sidechain has no ports for bus " .. i) end
			connect(daw.route("t" .. i):output(), { sc:audio(port):name(), sc:audio(port + 1):name() })
		end
		connect(route:output(), to_master)
	else
		connect(daw.route("key"):output(), { sc:audio(0):name(), sc:audio(1):name() })
		connect(route:output(), to_master)
	end
	daw.prime(frames, rate)
	daw.export(work_dir .. "/export")
end)
