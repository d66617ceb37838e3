#!/bin/sh
# Builds and runs peer_bench.c: LV2 peer limiters timed like shared-dsp's benches.
# Installs what it needs (Debian 12 packages) when missing. Usage: run.sh [runs, default 3]
set -e
cd "$(dirname "$0")"
missing=""
for pkg in gcc pkg-config liblilv-dev lv2-dev x42-plugins lsp-plugins-lv2; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
out="${TMPDIR:-/tmp}/peer_bench"
gcc -O2 -Wall -Wextra -o "$out" peer_bench.c $(pkg-config --cflags --libs lilv-0) -lm
exec "$out" "$@"
