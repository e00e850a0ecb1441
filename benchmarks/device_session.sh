#!/usr/bin/env bash
# The one prepared script of a GPU lease (issue 14; BENCHMARKS.md, "On a GPU"). From the
# repository root on the GPU machine, without installing tasknas (PYTHONPATH=src):
#
#   benchmarks/device_session.sh SEARCHES OUT SECONDS [WORKERS]
#
# 1. The machine: GPU, driver, torch, CPU cores.
# 2. Training throughput of the default darts-emtnas network at stem stride 1 (as `final`
#    trains it), alone on the machine: on the GPU (the library's evaluator, a plain loop, and
#    the plain loop under bf16 and fp16 autocast), and on one CPU core of the same machine
#    beside it (benchmarks/throughput.py).
# 3. Every training command with --device cuda on tiny settings (benchmarks/device_check.py),
#    beside
# 4. the final trainings of the stored searches in SEARCHES (a train_search.py --out folder;
#    only runs/*/run.sqlite and search.json are needed): one job per (strategy, seed, task) of
#    the MNIST group, ktnas and re first, then emtnas, WORKERS (default 12) at once on the
#    GPU, until SECONDS after the start (benchmarks/final_queue.sh).
# Everything is packed into OUT/results.tar.gz at the end; the log goes to stdout.
# SMOKE=1 DEVICE=cpu runs the same steps tiny on a CPU machine (a check of the script).
set -u
device=${DEVICE:-cuda}
if [ "${SMOKE:-0}" = 1 ]; then
    tp_images=128 smoke=(--final-epochs 1 --final-n-train 64)
else
    tp_images=4000 smoke=()
fi
if [ $# -lt 3 ]; then
    echo "usage: $0 SEARCHES OUT SECONDS [WORKERS]" >&2
    exit 2
fi
searches=$1 out=$2 seconds=$3 workers=${4:-12}
began=$(date +%s)
export PYTHONPATH=$PWD/src${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
work=/tmp/device-session
rm -rf "$work" && mkdir -p "$work/finals" "$out"

echo "== machine"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv
python -c "import sys, torch; print(sys.version.split()[0], torch.__version__, \
torch.version.cuda, torch.cuda.is_available(), torch.cuda.get_device_name(0))"
echo "cores: $(nproc)"

echo "== throughput ($(($(date +%s) - began)) s)"
python benchmarks/throughput.py --device "$device" --n-train "$tp_images" --stem-stride 1 --repeats 2 \
    --amp bf16 fp16 --out "$work/throughput_gpu" >"$work/throughput_gpu.log" 2>&1 &
python benchmarks/throughput.py --device cpu --threads 1 --n-train 256 --stem-stride 1 \
    --repeats 1 --out "$work/throughput_cpu" >"$work/throughput_cpu.log" 2>&1 &
wait
tail -n 12 "$work"/throughput_*.log

echo "== device check and final trainings ($(($(date +%s) - began)) s)"
nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv -l 15 \
    >"$work/nvidia_smi.csv" 2>&1 &
smi=$!
for task in mnist fashion_mnist; do
    mkdir -p "$work/finals/$task/runs"
    for run in "$searches"/runs/*; do
        mkdir -p "$work/finals/$task/runs/${run##*/}"
        cp "$run/run.sqlite" "$run/search.json" "$work/finals/$task/runs/${run##*/}/"
    done
done
for strategies in "ktnas re" "emtnas"; do
    for seed in 0 1 2 3 4 5 6 7 8 9; do
        for strategy in $strategies; do
            for task in mnist fashion_mnist; do
                echo "$work/finals/$task mnist $strategy $seed $task"
            done
        done
    done
done >"$work/jobs.txt"
python benchmarks/device_check.py --device "$device" --out "$work/check" >"$work/check.log" 2>&1 &
check=$!
bash benchmarks/final_queue.sh "$work/jobs.txt" "$workers" $((seconds - ($(date +%s) - began))) \
    --final-epochs 30 --final-stem-stride 1 --device "$device" --threads 1 "${smoke[@]}"
kill "$smi" 2>/dev/null
if kill -0 "$check" 2>/dev/null; then
    echo "device check still running at the deadline: stopped"
    kill "$check"
fi
cat "$work/check.log"

echo "== packing ($(($(date +%s) - began)) s)"
(cd "$work" && find . -name run.sqlite -prune -o -type f -print | tar czf "$out/results.tar.gz" -T -)
ls -l "$out"
