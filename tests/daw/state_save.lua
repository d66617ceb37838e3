-- The first half of the state round trip (xtask/src/daw/sessions.rs): a chain of Mixwerk
-- VST3s on the track "in", exported at their defaults, then set to non-default values,
-- saved, and exported twice.
--
--   ardour7-lua tests/daw/state_save.lua <input.wav> <work dir> +<plugin> [<name>=<value>...]
--                                        [+<plugin> [<name>=<value>...]]...
--
-- After new_session.lua made <work dir>/session with the track "in". Each "+<plugin>" is
-- inserted after the previous one; the settings after it are its parameters (lib.lua:
-- set_params). Writes <work dir>/export/defaults.wav (the chain as inserted), then sets the
-- parameters, lets the engine process them, saves the session (daw-test.ardour, before any
-- export with the new settings: Ardour 7.3 may crash after an export, see lib.lua) and
-- writes export/saved.wav and export/saved-again.wav, each after lib.lua's restart and
-- prime, as state_load.lua exports the reloaded session. The two must be equal: were the
-- output to depend on what the plugin processed before (a tail, an LFO phase), the
-- comparison with the reloaded session would be meaningless.

io.stdout:setvbuf("line")
local daw = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "lib.lua")
local input_wav, work_dir = arg[1], arg[2]
if not (input_wav and work_dir and arg[3]) then
	daw.fail("usage: ardour7-lua state_save.lua <input.wav> <work dir> +<plugin> [name=value...]...")
end
local chain = {}
for i = 3, #arg do
	local plugin = arg[i]:match("^%+(.+)$")
	if plugin then
		table.insert(chain, { name = plugin, settings = {} })
	elseif #chain == 0 then
		daw.fail("a setting before the first +<plugin>: " .. arg[i])
	else
		local s = daw.parse_settings({ arg[i] }, 1)[1]
		table.insert(chain[#chain].settings, s)
	end
end

daw.run_session(work_dir, { { track = "in", wav = input_wav } }, function(frames, rate, session_dir)
	local track = daw.route("in")
	local procs = {}
	for i, p in ipairs(chain) do
		procs[i] = daw.insert(track, p.name, i - 1)
	end
	daw.connect_to_master({ "in" })
	daw.restart(procs)
	daw.prime(frames, rate)
	daw.export(work_dir .. "/export", "defaults")
	for i, p in ipairs(chain) do
		daw.set_params(procs[i], p.settings)
	end
	daw.prime(frames, rate)
	Session:save_state("", false, false, false, false, false)
	print("SAVED " .. session_dir .. "/" .. daw.SESSION_NAME .. ".ardour")
	daw.restart(procs)
	daw.prime(frames, rate)
	daw.export(work_dir .. "/export", "saved")
	daw.restart(procs)
	daw.prime(frames, rate)
	daw.export(work_dir .. "/export", "saved-again")
end)
