/*
 * peer_bench: times LV2 peer limiters on the same signal and by the same measure as our own
 * DSP benches (shared-dsp/benches/support/mod.rs, report_realtime), so the README's peer
 * figures can be measured side by side on one machine. Build and run: tools/peer-bench/run.sh.
 *
 * What matches our bench:
 *   - stereo, 48 kHz, blocks of 512 frames, 20 000 blocks (213.3 s of audio) per run;
 *   - before each block the inputs get a fresh copy of the same two 512-sample noise buffers,
 *     made by the same xorshift32 (seed 1 left, seed 2 right; bit-identical to the Rust);
 *   - "x real time" = audio seconds / this thread's CPU seconds (CLOCK_THREAD_CPUTIME_ID)
 *     over the 20 000 blocks, copies included;
 *   - the limiter settings of shared-dsp/benches/limiter.rs as far as each plugin has them:
 *     +12 dB drive into a -1 dB ceiling (the noise peaks at about -6 dBFS, so it limits all
 *     the time), 1.5 ms lookahead, 100 ms release, full stereo link, no dither.
 * What differs: the plugin is called through its LV2 run() (loaded with lilv), with separate
 * input and output buffers rather than in place; each run uses a fresh instance warmed up by
 * 2 000 untimed blocks (ours is timed right after criterion has run the same processor).
 * After each timed run, 200 more untimed blocks measure the output's sample peak (dBFS) and
 * true peak (dBTP, an 8x interpolation), to show that the plugin really limits: the driven
 * input peaks at +5.98 dBFS, and its true peak is higher still (uniform white noise has
 * large inter-sample peaks), which the program prints first.
 *
 * Usage: peer_bench [runs per configuration, default 3]
 */
#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/urid/urid.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RATE 48000.0
#define BLOCK 512
#define BLOCKS 20000
#define WARMUP 2000
#define CHECK 200
#define ATOM_CAPACITY 8192

typedef struct { const char *symbol; float value; } Setting;
typedef struct {
    const char *name, *uri;
    Setting settings[16]; /* control inputs by symbol; every other control keeps its default */
} Config;

static const Config CONFIGS[] = {
    /* x42 dpl: gain in dB, threshold in dB, release in seconds (range 1 ms..1 s). Its
     * lookahead is fixed (1.2 ms rounded up to groups of 8 samples in its source: 64 samples
     * at 48 kHz); one gain for both channels (full link); no dither. */
    {"x42 dpl stereo, sample peak", "http://gareus.org/oss/lv2/dpl#stereo",
     {{"enable", 1}, {"gain", 12}, {"threshold", -1}, {"release", 0.1f}, {"truepeak", 0}}},
    {"x42 dpl stereo, true peak", "http://gareus.org/oss/lv2/dpl#stereo",
     {{"enable", 1}, {"gain", 12}, {"threshold", -1}, {"release", 0.1f}, {"truepeak", 1}}},
    /* LSP Limiter: gains linear (+12 dB = 3.98107, -1 dB = 0.891251), times in ms. Release
     * range is 0.25..20 ms, so 20 ms; attack = lookahead = 1.5 ms; default mode (Herm Thin);
     * automatic level regulation off (ours has none); gain boost off (it would raise the
     * output so the threshold lands at 0 dBFS); stereo link 100 %; no dither. It has no
     * true-peak detector: "no oversampling" is the sample-peak counterpart of ours, and
     * "Full x4(2L)" the nearest to our oversampled limiter at 4x. Its cost depends on the
     * attack time: with its defaults (lookahead 5 ms, attack 5 ms) it runs about 40 % faster. */
    {"LSP Limiter stereo, no oversampling", "http://lsp-plug.in/plugins/lv2/limiter_stereo",
     {{"enabled", 1}, {"g_in", 3.98107f}, {"g_out", 1}, {"th", 0.891251f}, {"alr", 0},
      {"boost", 0}, {"lk", 1.5f}, {"at", 1.5f}, {"rt", 20}, {"ovs", 0}, {"dith", 0},
      {"slink", 100}}},
    {"LSP Limiter stereo, oversampling Full x4(2L)", "http://lsp-plug.in/plugins/lv2/limiter_stereo",
     {{"enabled", 1}, {"g_in", 3.98107f}, {"g_out", 1}, {"th", 0.891251f}, {"alr", 0},
      {"boost", 0}, {"lk", 1.5f}, {"at", 1.5f}, {"rt", 20}, {"ovs", 15}, {"dith", 0},
      {"slink", 100}}},
};

/* The same noise as support::noise: xorshift32, u32 wrapping, s / u32::MAX - 0.5 in f32. */
static void noise(uint32_t seed, float *out) {
    uint32_t s = seed;
    for (int i = 0; i < BLOCK; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        out[i] = (float)s / (float)UINT32_MAX - 0.5f;
    }
}

static double thread_cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* urid:map: a plain table, only used while the plugin is instantiated. */
static char *uris[1024];
static uint32_t n_uris;
static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri) {
    (void)h;
    for (uint32_t i = 0; i < n_uris; i++)
        if (!strcmp(uris[i], uri)) return i + 1;
    if (n_uris == 1024) return 0;
    uris[n_uris] = strdup(uri);
    return ++n_uris;
}
static LV2_URID_Map urid_map = {NULL, map_uri};

static float dbfs(float x) { return 20.0f * log10f(x); }

/* True-peak estimate of one channel: the largest |x| among the samples and 7 points between
 * each pair, interpolated by a Hann-windowed sinc of 64 taps (an 8x reference, close to
 * BS.1770's 4x meter; the first and last 32 samples are only read). */
#define TP_HALF 32
static float true_peak(const float *x, int len) {
    static float h[8][2 * TP_HALF];
    for (int p = 0; p < 8; p++)
        for (int k = -TP_HALF; k < TP_HALF; k++) {
            double t = k + p / 8.0, w = 0.5 + 0.5 * cos(M_PI * t / (TP_HALF + 1));
            h[p][k + TP_HALF] = t == 0 ? 1 : w * sin(M_PI * t) / (M_PI * t);
        }
    float peak = 0;
    for (int n = TP_HALF; n < len - TP_HALF; n++)
        for (int p = 0; p < 8; p++) {
            float y = 0;
            for (int k = -TP_HALF; k < TP_HALF; k++) y += x[n - k] * h[p][k + TP_HALF];
            peak = fmaxf(peak, fabsf(y));
        }
    return peak;
}

/* Atom ports: an input holds a valid empty sequence; an output is reset to its capacity
 * before every run(), as a host does. */
typedef struct { LV2_Atom_Sequence seq; uint8_t room[ATOM_CAPACITY]; } AtomBuf;

/* One timed run of one configuration; returns x real time, or a negative value on error. */
static double run_once(LilvWorld *world, const Config *cfg, float *sample_peak, float *tp) {
    LilvNode *uri = lilv_new_uri(world, cfg->uri);
    const LilvPlugin *plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
    lilv_node_free(uri);
    if (!plugin) return -1;

    LilvNode *audio = lilv_new_uri(world, LV2_CORE__AudioPort);
    LilvNode *control = lilv_new_uri(world, LV2_CORE__ControlPort);
    LilvNode *atom = lilv_new_uri(world, LV2_ATOM__AtomPort);
    LilvNode *input = lilv_new_uri(world, LV2_CORE__InputPort);

    int32_t block = BLOCK;
    float rate = RATE;
    LV2_Options_Option options[] = {
        {LV2_OPTIONS_INSTANCE, 0, map_uri(0, LV2_BUF_SIZE__minBlockLength), sizeof block,
         map_uri(0, LV2_ATOM__Int), &block},
        {LV2_OPTIONS_INSTANCE, 0, map_uri(0, LV2_BUF_SIZE__maxBlockLength), sizeof block,
         map_uri(0, LV2_ATOM__Int), &block},
        {LV2_OPTIONS_INSTANCE, 0, map_uri(0, LV2_BUF_SIZE__nominalBlockLength), sizeof block,
         map_uri(0, LV2_ATOM__Int), &block},
        {LV2_OPTIONS_INSTANCE, 0, map_uri(0, LV2_PARAMETERS__sampleRate), sizeof rate,
         map_uri(0, LV2_ATOM__Float), &rate},
        {LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL}};
    LV2_Feature map_f = {LV2_URID__map, &urid_map}, opt_f = {LV2_OPTIONS__options, options};
    LV2_Feature bounded_f = {LV2_BUF_SIZE__boundedBlockLength, NULL};
    const LV2_Feature *features[] = {&map_f, &opt_f, &bounded_f, NULL};
    LV2_URID chunk = map_uri(0, LV2_ATOM__Chunk), sequence = map_uri(0, LV2_ATOM__Sequence);

    LilvInstance *inst = lilv_plugin_instantiate(plugin, RATE, features);
    if (!inst) return -1;

    uint32_t n = lilv_plugin_get_num_ports(plugin);
    float *defaults = calloc(n, sizeof(float)), *controls = calloc(n, sizeof(float));
    AtomBuf *atoms = calloc(n, sizeof(AtomBuf));
    AtomBuf *atom_outs[8];
    int n_atom_outs = 0, n_in = 0, n_out = 0;
    static float in[2][BLOCK], out[2][BLOCK], src[2][BLOCK];
    noise(1, src[0]);
    noise(2, src[1]);
    lilv_plugin_get_port_ranges_float(plugin, NULL, NULL, defaults);

    for (uint32_t i = 0; i < n; i++) {
        const LilvPort *port = lilv_plugin_get_port_by_index(plugin, i);
        int is_in = lilv_port_is_a(plugin, port, input);
        if (lilv_port_is_a(plugin, port, audio)) {
            if (is_in ? n_in >= 2 : n_out >= 2) { fprintf(stderr, "not stereo\n"); exit(1); }
            lilv_instance_connect_port(inst, i, is_in ? in[n_in++] : out[n_out++]);
        } else if (lilv_port_is_a(plugin, port, control)) {
            controls[i] = isnan(defaults[i]) ? 0 : defaults[i];
            lilv_instance_connect_port(inst, i, &controls[i]);
        } else if (lilv_port_is_a(plugin, port, atom)) {
            atoms[i].seq.atom.type = sequence;
            atoms[i].seq.atom.size = sizeof(LV2_Atom_Sequence_Body); /* empty */
            if (!is_in) atom_outs[n_atom_outs++] = &atoms[i];
            lilv_instance_connect_port(inst, i, &atoms[i]);
        } else {
            lilv_instance_connect_port(inst, i, NULL); /* optional port of another kind */
        }
    }
    for (const Setting *s = cfg->settings; s->symbol; s++) {
        LilvNode *sym = lilv_new_string(world, s->symbol);
        const LilvPort *port = lilv_plugin_get_port_by_symbol(plugin, sym);
        lilv_node_free(sym);
        if (!port) { fprintf(stderr, "%s: no port '%s'\n", cfg->name, s->symbol); exit(1); }
        controls[lilv_port_get_index(plugin, port)] = s->value;
    }

    lilv_instance_activate(inst);
    static float rec[2][CHECK * BLOCK];
    double start = 0, seconds = 0;
    for (int b = 0; b < WARMUP + BLOCKS + CHECK; b++) {
        if (b == WARMUP) start = thread_cpu_seconds();
        memcpy(in[0], src[0], sizeof in[0]);
        memcpy(in[1], src[1], sizeof in[1]);
        for (int a = 0; a < n_atom_outs; a++) {
            atom_outs[a]->seq.atom.type = chunk;
            atom_outs[a]->seq.atom.size = ATOM_CAPACITY;
        }
        lilv_instance_run(inst, BLOCK);
        if (b == WARMUP + BLOCKS - 1) seconds = thread_cpu_seconds() - start;
        if (b >= WARMUP + BLOCKS)
            for (int c = 0; c < 2; c++)
                memcpy(rec[c] + (b - WARMUP - BLOCKS) * BLOCK, out[c], sizeof out[c]);
    }
    lilv_instance_deactivate(inst);
    lilv_instance_free(inst);
    free(defaults);
    free(controls);
    free(atoms);
    lilv_node_free(audio);
    lilv_node_free(control);
    lilv_node_free(atom);
    lilv_node_free(input);

    *sample_peak = *tp = 0;
    for (int c = 0; c < 2; c++) {
        for (int i = 0; i < CHECK * BLOCK; i++) *sample_peak = fmaxf(*sample_peak, fabsf(rec[c][i]));
        *tp = fmaxf(*tp, true_peak(rec[c], CHECK * BLOCK));
    }
    return BLOCKS * (double)BLOCK / RATE / seconds;
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 3;
    LilvWorld *world = lilv_world_new();
    lilv_world_load_all(world);

    /* The input as the plugins see it: each noise buffer repeated block after block. */
    static float in[2][8 * BLOCK];
    float in_peak = 0, in_tp = 0;
    for (int c = 0; c < 2; c++) {
        noise(c + 1, in[c]);
        for (int b = 1; b < 8; b++) memcpy(in[c] + b * BLOCK, in[c], BLOCK * sizeof(float));
        for (int i = 0; i < BLOCK; i++) in_peak = fmaxf(in_peak, fabsf(in[c][i]));
        in_tp = fmaxf(in_tp, true_peak(in[c], 8 * BLOCK));
    }
    printf("input: sample peak %.2f dBFS, true peak %.2f dBTP; after +12 dB drive %.2f dBFS, "
           "%.2f dBTP\n", dbfs(in_peak), dbfs(in_tp), dbfs(in_peak) + 12, dbfs(in_tp) + 12);

    for (size_t c = 0; c < sizeof CONFIGS / sizeof CONFIGS[0]; c++) {
        for (int run = 0; run < runs; run++) {
            float peak, tp;
            double x = run_once(world, &CONFIGS[c], &peak, &tp);
            if (x < 0) {
                printf("%s: not installed (%s)\n", CONFIGS[c].name, CONFIGS[c].uri);
                break;
            }
            printf("%s: %.0fx real time (thread CPU time); output: sample peak %.2f dBFS, "
                   "true peak %.2f dBTP\n", CONFIGS[c].name, x, dbfs(peak), dbfs(tp));
            fflush(stdout);
        }
    }
    lilv_world_free(world);
    return 0;
}
