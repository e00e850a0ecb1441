#!/usr/bin/env bash
# Wall time of the whole TA-NAS pipeline through the CLI, with default settings:
# build the default dictionary (10 base tasks), the target's distances, one FUSE search.
#
#   bash benchmarks/tanas_pipeline.sh OUT [WORKERS]     # e.g. OUT=/tmp/tanas-pipeline, WORKERS=2
#
# Writes OUT/pipeline.md (stage wall times) and OUT/{distance,fuse}.json. OUT/dictionary
# must not exist (the build is what is timed).
set -euo pipefail
out=${1:?usage: tanas_pipeline.sh OUT [WORKERS]}
workers=${2:-2}
if [ -e "$out/dictionary" ]; then
  echo "$out/dictionary exists; remove it or choose another OUT" >&2
  exit 2
fi
mkdir -p "$out"
export TASKNAS_DICTIONARY_DIR="$out/dictionary"
target=quickdraw4:cat
declare -A seconds

timed() {  # timed LABEL COMMAND...: run COMMAND, record its wall time under LABEL
  local label=$1 start end
  shift
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  seconds[$label]=$(python -c "print(round($end - $start, 1))")
  echo "$label: ${seconds[$label]} s" >&2
}

timed build tasknas dictionary build --workers "$workers" --json > "$out/build.json"
timed distance tasknas distance --target "$target" --json > "$out/distance.json"
timed fuse tasknas fuse --target "$target" --json > "$out/fuse.json"
total=$(python -c "print(round(${seconds[build]} + ${seconds[distance]} + ${seconds[fuse]}, 1))")

{
  echo "# TA-NAS pipeline wall time (default settings)"
  echo
  echo "\`bash benchmarks/tanas_pipeline.sh $out $workers\` on $(nproc) CPU cores, $(date -u +%Y-%m-%d)."
  echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| stage | command | seconds |"
  echo "|---|---|---|"
  echo "| dictionary build (10 tasks) | \`tasknas dictionary build --workers $workers\` | ${seconds[build]} |"
  echo "| target distances | \`tasknas distance --target $target\` | ${seconds[distance]} |"
  echo "| one FUSE search + retraining | \`tasknas fuse --target $target\` | ${seconds[fuse]} |"
  echo "| **whole pipeline** | | **$total** |"
  echo
  echo "FUSE result: \`$(cat "$out/fuse.json" | tr -d '\n')\`"
} > "$out/pipeline.md"
cat "$out/pipeline.md"
