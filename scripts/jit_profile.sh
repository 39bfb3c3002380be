#!/usr/bin/env bash
# Where does a software adapter's time go? Mesa's lavapipe and llvmpipe
# compile each shader to x86 code at run time, so no profiler can name it.
# This runs chipbench, samples it with perf while the kernel under test runs,
# copies the JIT code out of the live process with gdb, and prints the
# instruction mix of the loops that hold the most samples
# (scripts/jit_mix.py).
#
#   apt-get install -y linux-perf gdb binutils
#   cargo build --release
#   scripts/jit_profile.sh 2 run --suite standard --filter matmul_f32_1024x1024x1024
#
# The first argument is how many seconds to wait before sampling: long enough
# for setup and compilation to finish, short enough that the case is still
# being timed (this example runs for about 5 s). The rest are chipbench's
# arguments. perf and gdb attach to a running process, so run as root or with
# kernel.perf_event_paranoid and ptrace permitted. LISTING=FILE also writes
# the hottest loop's code, each instruction with its sample count.
set -euo pipefail

for tool in perf gdb objdump python3; do
    command -v "$tool" >/dev/null ||
        { echo "jit_profile.sh: $tool is missing: apt-get install -y linux-perf gdb binutils python3" >&2; exit 1; }
done
if [ $# -lt 2 ]; then
    echo "usage: scripts/jit_profile.sh DELAY_S CHIPBENCH_ARGUMENTS..." >&2
    exit 2
fi
delay_s=$1
shift
binary=${CHIPBENCH:-target/release/chipbench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$binary" "$@" >"$work/run.log" 2>&1 &
pid=$!
sleep "$delay_s"
perf record -q -o "$work/perf.data" -p "$pid" -- sleep 1.5 >/dev/null 2>&1 &
perf_pid=$!
sleep 0.5
# JIT code lives in anonymous executable mappings (no file name).
gdb -p "$pid" -batch -ex "info proc mappings" 2>/dev/null |
    awk '$5 == "r-xp" && NF == 5 { print $1, $2 }' >"$work/maps"
gone="jit_profile.sh: could not copy the JIT code (chipbench had finished, or was between kernels): try another delay"
[ -s "$work/maps" ] || { echo "$gone" >&2; exit 1; }
while read -r start end; do
    gdb -p "$pid" -batch -ex "dump binary memory $work/jit_$start.bin $start $end" >/dev/null 2>&1 ||
        { echo "$gone" >&2; exit 1; }
done <"$work/maps"
wait "$perf_pid" || true
wait "$pid" || { cat "$work/run.log"; exit 1; }
perf script -i "$work/perf.data" -F ip 2>/dev/null >"$work/ips"

python3 "$(dirname "$0")/jit_mix.py" "$work" "${LISTING:-}"
grep -E "^(matmul|stream|peak)" "$work/run.log" || true
