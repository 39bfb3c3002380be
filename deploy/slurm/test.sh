#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, running deploy/slurm/chipbench.sbatch
# as an array of TASKS tasks on the software adapter, one of them with half of
# lavapipe's threads (LP_NUM_THREADS=1), then `chipbench fleet` over what they
# wrote: every task must have written a report, the slowed one must be flagged
# and the others must pass. Run by .ci/run; by hand: `deploy/slurm/test.sh` as root.
#
# Debian's slurm-wlm 22.05 and munge are installed where missing. The cluster is
# this script's own: its slurm.conf, state, logs and reports live under
# target/slurm-test/ (kept for inspection), its daemons listen on ports of
# their own and are started here, without systemd (CI has none), and stopped
# on exit. An already running munged is used as it is.
#
# Settings: TASKS (default 4: three at full speed and the slowed one),
# CHIPBENCH_SUITE and CHIPBENCH_FILTER (the cases each task runs, default the
# quick suite's `peak` probes, f32 and f16: pure arithmetic spread over every
# lavapipe thread, so one thread fewer halves them; the quick suite's
# matmuls are too small on a 2-core machine: on an idle one, a task with
# one thread fewer read 51-100% of its peers there and 55-62% on `peak`),
# CHIPBENCH_BIN (default: target/release/chipbench,
# built here), TIMEOUT_S (for the jobs, default 900),
# CHECK_SLOWED (default 1: the slowed task must be flagged and no other;
# 0 prints whether it was and fails only on the other checks: on a 2-core
# VM lavapipe's peak reads 56-88 GFLOP/s from one process to the next on
# an idle machine, so 4 tasks cannot always tell one thread fewer apart;
# .ci/run sets 0).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

tasks=${TASKS:-4}
filter=${CHIPBENCH_FILTER:-peak}
suite=${CHIPBENCH_SUITE:-quick}
timeout_s=${TIMEOUT_S:-900}
check_slowed=${CHECK_SLOWED:-1}
if ! [[ $tasks =~ ^[0-9]+$ ]] || [ "$tasks" -lt 3 ]; then
    echo "error: TASKS must be a whole number of at least 3 (a slowed task stands out only against peers), not '$tasks'" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "error: run as root: slurmd starts each task as the user who submitted it" >&2
    exit 1
fi

started=$SECONDS
step_started=$SECONDS
step() { # ends the step before (with how long it took) and names the next
    echo "slurm-test: [$((SECONDS - step_started)) s] done"
    step_started=$SECONDS
    echo "slurm-test: $*"
}
echo "slurm-test: installing what is missing"

# --- Packages ---------------------------------------------------------------
missing=()
for tool in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "slurm-test: installing ${missing[*]}"
    apt-get update -qq
    # The packages' own service start fails or is skipped without systemd; the
    # daemons are started below with this test's configuration.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "building chipbench"
if [ -z "${CHIPBENCH_BIN:-}" ]; then
    # A no-op after .ci/run's cargo test --release, which built the same binary.
    cargo build --release --quiet
    CHIPBENCH_BIN=$repo/target/release/chipbench
fi
[ -x "$CHIPBENCH_BIN" ] || { echo "error: no chipbench binary at $CHIPBENCH_BIN" >&2; exit 1; }

# --- The cluster's files ----------------------------------------------------
step "configuring a one-node cluster"
work=$repo/target/slurm-test
rm -rf "$work"
mkdir -p "$work"/{state,spool,logs,reports}
node=$(hostname -s)
# slurmd -C prints this machine's node line: its real CPUs, sockets, cores and memory.
node_line=$(slurmd -C | head -n1)
[[ $node_line == "NodeName=$node "* ]] || { echo "error: slurmd -C printed '$node_line', not a line for node $node" >&2; exit 1; }
export SLURM_CONF=$work/slurm.conf
cat >"$SLURM_CONF" <<EOF
# Written by deploy/slurm/test.sh: a one-node cluster on localhost.
ClusterName=chipbench-test
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
# Ports of its own, so a Slurm already on this machine is left alone.
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/logs/slurmctld.log
SlurmdLogFile=$work/logs/slurmd.log
# Processes tracked through /proc, no task binding: nothing needs cgroups.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
# Finished jobs stay visible to scontrol for the checks below.
MinJobAge=3600
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

# --- Daemons ----------------------------------------------------------------
pids=()
cleanup() {
    local status=$? i pid watchdog
    # Last started first: slurmd and slurmctld still reach munged while they
    # stop. A daemon that ignores SIGTERM (slurmd can, without munged) is
    # killed after 10 s.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        pid=${pids[i]}
        kill "$pid" 2>/dev/null || continue
        (sleep 10 && kill -KILL "$pid" 2>/dev/null) &
        watchdog=$!
        wait "$pid" 2>/dev/null || true
        kill "$watchdog" 2>/dev/null || true
    done
    [ "$status" -eq 0 ] || echo "slurm-test: FAILED; the cluster's files and logs are in $work" >&2
}
trap cleanup EXIT

wait_for() { # wait_for SECONDS WHAT COMMAND...: retries COMMAND every second
    local limit=$1 what=$2
    shift 2
    for _ in $(seq "$limit"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    echo "error: $what not ready after $limit s" >&2
    return 1
}

step "starting munged, slurmctld and slurmd"
munge_works() { munge -n </dev/null | unmunge >/dev/null; }
if ! munge_works 2>/dev/null; then
    if [ ! -s /etc/munge/munge.key ]; then
        mungekey --create --keyfile=/etc/munge/munge.key
        chown munge:munge /etc/munge/munge.key
        chmod 0400 /etc/munge/munge.key
    fi
    install -d -o munge -g munge -m 0755 /run/munge
    setpriv --reuid=munge --regid=munge --init-groups munged --foreground >"$work/logs/munged.out" 2>&1 &
    pids+=($!)
    wait_for 30 munged munge_works
fi
slurmctld -D >"$work/logs/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$node" >"$work/logs/slurmd.out" 2>&1 &
pids+=($!)
node_idle() { [ "$(sinfo -h -N -n "$node" -o %t)" = idle ]; }
if ! wait_for 60 "node $node" node_idle; then
    tail -n 20 "$work"/logs/slurm*.log >&2 || true
    exit 1
fi

# --- The jobs ---------------------------------------------------------------
# lavapipe on every task, with one tuning cache, filled here first: every task
# then measures the same kernels, and none of them searches first.
export CHIPBENCH_BIN CHIPBENCH_SUITE=$suite CHIPBENCH_FILTER=$filter CHIPBENCH_OUT=$work/reports
export CHIPBENCH_ARGS="--backend vulkan --tune-cache $work/autotune.json"
step "tuning the kernels of suite $suite, filter '$filter', once for every task"
# shellcheck disable=SC2086 # CHIPBENCH_ARGS is split on spaces, as the sbatch file splits it
"$CHIPBENCH_BIN" run --suite "$suite" --filter "$filter" --out "$work/tuning" $CHIPBENCH_ARGS >"$work/logs/tuning.out"

last=$((tasks - 1))
step "submitting tasks 0-$((last - 1)) and the slowed task $last"
submit() { sbatch --parsable --chdir="$work" --output="$work/logs/%x-%A_%a.out" "$@" deploy/slurm/chipbench.sbatch; }
# The same sbatch file both times: the slowed task differs only in its environment.
full=$(unset LP_NUM_THREADS; submit --array=0-$((last - 1)))
slow=$(submit --array="$last" --export=ALL,LP_NUM_THREADS=1)
# And a job whose run fails (no case matches): its exit code must reach Slurm.
bad=$(CHIPBENCH_FILTER=no-such-case CHIPBENCH_OUT=$work/bad submit)
echo "slurm-test: jobs $full (0-$((last - 1))), $slow ($last, LP_NUM_THREADS=1) and $bad (no case)"

step "waiting for the tasks (at most $timeout_s s)"
deadline=$((SECONDS + timeout_s))
while [ -n "$(squeue -h -j "$full,$slow,$bad" -o %i)" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        scancel "$full" "$slow" "$bad" || true
        echo "error: the tasks did not finish within $timeout_s s" >&2
        exit 1
    fi
    sleep 2
done

field() { grep -oP "(^| )$1=\K[^ ]*" <<<"$2"; } # field NAME LINE: a value in scontrol -o's line
# One line per array task: its index, state, exit code and run time.
failed=0
while read -r line; do
    task=$(field ArrayTaskId "$line")
    state=$(field JobState "$line")
    code=$(field ExitCode "$line")
    runtime=$(field RunTime "$line")
    echo "slurm-test: task $task: $state, exit $code, ran $runtime"
    [ "$state" = COMPLETED ] && [ "$code" = 0:0 ] || failed=1
done < <(scontrol -o show job "$full"; scontrol -o show job "$slow")
if [ "$failed" -ne 0 ]; then
    tail -n 5 "$work"/logs/chipbench-*.out >&2 || true
    echo "error: a task did not complete with exit code 0" >&2
    exit 1
fi
bad_line=$(scontrol -o show job "$bad")
bad_end="$(field JobState "$bad_line"), exit $(field ExitCode "$bad_line")"
if [ "$bad_end" != "FAILED, exit 1:0" ]; then
    echo "error: a run that failed (chipbench exit 1) should end its job FAILED with exit code 1:0, not '$bad_end'" >&2
    exit 1
fi
echo "slurm-test: the failed run's job: $bad_end"

step "checking every task wrote its report"
for task in $(seq 0 "$last"); do
    # The default node label: SLURMD_NODENAME-task<SLURM_ARRAY_TASK_ID>.
    reports=("$work/reports/$node-task${task}_"*.json)
    if [ ! -f "${reports[0]}" ]; then
        echo "error: task $task wrote no report ($work/reports/$node-task${task}_*.json)" >&2
        ls -l "$work/reports" >&2
        exit 1
    fi
    echo "slurm-test: task $task: ${reports[0]#"$repo/"}"
done

step "judging the fleet: deploy/slurm/merge.sh ${work#"$repo/"}/reports $tasks"
merge() { # merge ARGS...: merge.sh's output in $output, its exit code in $verdict
    verdict=0
    output=$(deploy/slurm/merge.sh "$work/reports" "$@") || verdict=$?
}
merge $((tasks + 1))
if [ "$verdict" -ne 5 ] || ! grep -q '^flagged: .*MISSING' <<<"$output"; then
    echo "$output"
    echo "error: --expect $((tasks + 1)) over $tasks reports should flag a missing node and exit 5, not $verdict" >&2
    exit 1
fi
echo "slurm-test: with --expect $((tasks + 1)), the node that wrote nothing is flagged MISSING (exit 5)"
merge "$tasks"
echo "$output"
# The line "flagged: ..." names every flagged node: the slowed task's, and no other.
flagged=$(grep '^flagged: ' <<<"$output" || true)
case "$flagged:$verdict" in
"flagged: $node-task$last (FAIL):5" | "flagged: $node-task$last (WARN):4") ;;
*)
    message="only the slowed task $last should be flagged (FAIL and exit 5, or WARN and exit 4), not '${flagged:-none}' with exit $verdict; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
    if [ "$check_slowed" = 1 ]; then
        echo "error: $message: was other work competing?" >&2
        exit 1
    fi
    echo "slurm-test: NOT MET (not failing the test, CHECK_SLOWED=0): $message"
    echo "slurm-test: the tasks ran, wrote their reports and were judged in $((SECONDS - started)) s"
    exit 0
    ;;
esac
echo "slurm-test: the slowed task $last is flagged and the others pass (exit $verdict)"

if [ "$verdict" -eq 5 ]; then
    step "draining the failed node, as a health check would: merge.sh --drain"
    merge "$tasks" --drain
    reason=$(sinfo -h -N -n "$node" -o '%t %E')
    if [ "$reason" != "drain chipbench fleet: FAIL" ]; then
        echo "error: merge.sh --drain left node $node as '$reason', not drained by chipbench fleet" >&2
        exit 1
    fi
    echo "slurm-test: node $node drained: $reason"
fi
step "all checks passed in $((SECONDS - started)) s"
