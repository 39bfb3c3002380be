#!/usr/bin/env bash
# Judges a round of deploy/slurm/chipbench.sbatch and, with --drain, takes the
# nodes that failed out of service, as a node health check does:
#
#     deploy/slurm/merge.sh fleet/1234 8            # verdicts; exit as chipbench fleet
#     deploy/slurm/merge.sh fleet/1234 8 --drain    # ... and drain the failed nodes
#
# After the array, as a job that waits for it (draining needs a Slurm admin):
#     sbatch --dependency=afterany:1234 --wrap "deploy/slurm/merge.sh fleet/1234 8 --drain"
#
# Exit codes are chipbench fleet's: 0 every node passed, 4 a node warned,
# 5 a node failed or wrote nothing (1 an error, 2 bad usage). The verdicts
# are also written to FOLDER/fleet.md. On exit 5 with --drain, each node
# flagged FAIL is drained with the reason "chipbench fleet: FAIL"; a node
# that wrote nothing cannot be named from the reports, so it is left to the
# job's own record (sacct -j JOB shows the task that failed).
# CHIPBENCH_BIN: the binary (default: target/release/chipbench of this checkout).
set -euo pipefail

usage="usage: $0 FOLDER NODES [--drain]"
if [ $# -lt 2 ] || [ $# -gt 3 ] || { [ $# -eq 3 ] && [ "$3" != --drain ]; }; then
    echo "error: $usage" >&2
    exit 2
fi
folder=$1 nodes=$2 drain=${3:-}
[ -d "$folder" ] || { echo "error: $folder is not a folder" >&2; exit 1; }
[[ $nodes =~ ^[1-9][0-9]*$ ]] || { echo "error: NODES must be a whole number above 0, not '$nodes'" >&2; exit 2; }
bin=${CHIPBENCH_BIN:-$(dirname "$0")/../../target/release/chipbench}
[ -x "$bin" ] || { echo "error: no chipbench binary at $bin (set CHIPBENCH_BIN)" >&2; exit 1; }

verdict=0
output=$("$bin" fleet "$folder" --expect "$nodes" --md "$folder/fleet.md") || verdict=$?
echo "$output"
if [ "$verdict" -eq 5 ] && [ -n "$drain" ]; then
    # The last line names the flagged nodes: "flagged: gpu07-task3 (FAIL), gpu02-task1 (WARN)".
    # A node label is the Slurm node and the task: drain the node.
    sed -n 's/^flagged: //p' <<<"$output" | tr ',' '\n' |
        sed -n 's/^ *\(.*\)-task[0-9]* (FAIL)$/\1/p' | sort -u |
        while read -r node; do
            echo "draining $node"
            scontrol update NodeName="$node" State=DRAIN Reason="chipbench fleet: FAIL"
        done
fi
exit "$verdict"
