#!/usr/bin/env bash
# Final trainings of stored train_search.py searches, several at once, until a deadline.
#
# usage: benchmarks/final_queue.sh JOBS WORKERS SECONDS [train_search.py options ...]
#
# JOBS: one job per line, "OUT GROUP STRATEGY SEED TASK" (blank lines and # comments
# skipped); each runs
#   python benchmarks/train_search.py --out OUT --groups GROUP --strategies STRATEGY \
#       --baselines --seeds SEED --phase final --final-tasks TASK [options ...]
# WORKERS jobs at a time, in the file's order. A job that has not ended SECONDS after the
# queue began is killed, and one not yet begun by then is skipped: whatever finished is in its
# run folder (final.json, final_timing.json). Give each task its own OUT (copies of the same
# searches): train_search.py's final phase skips a run folder that already has a final.
# Used on the lent GPU machine (issue 14; BENCHMARKS.md, "On a GPU"):
#   benchmarks/final_queue.sh jobs.txt 12 460 --final-epochs 30 --final-stem-stride 1 \
#       --device cuda --threads 1
set -u
if [ $# -lt 3 ]; then
    echo "usage: $0 JOBS WORKERS SECONDS [train_search.py options ...]" >&2
    exit 2
fi
jobs=$1 workers=$2
QUEUE_DEADLINE=$(($(date +%s) + $3))
shift 3
export QUEUE_DEADLINE
export QUEUE_OPTIONS="$*"

run_one() {
    local out=$1 group=$2 strategy=$3 seed=$4 task=$5
    local left=$((QUEUE_DEADLINE - $(date +%s)))
    if [ "$left" -le 10 ]; then
        echo "skipped (deadline): $strategy seed $seed $task"
        return 0
    fi
    # shellcheck disable=SC2086  # the options are words
    timeout --signal=KILL "$left" python benchmarks/train_search.py --out "$out" \
        --groups "$group" --strategies "$strategy" --baselines --seeds "$seed" \
        --phase final --final-tasks "$task" $QUEUE_OPTIONS >"$out/queue-$strategy-$seed-$task.log" 2>&1
    echo "exit $? after $(($(date +%s) - QUEUE_DEADLINE + left)) s: $strategy seed $seed $task"
}
export -f run_one

grep -v -e '^\s*#' -e '^\s*$' "$jobs" | xargs -P "$workers" -L 1 bash -c 'run_one "$@"' _
