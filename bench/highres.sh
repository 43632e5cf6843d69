#!/usr/bin/env bash
# make bench-highres: a tiny DCGAN (ngf = ndf = 4, nz 16) on the full embedded MNIST at 64..1024 px, one process,
# STEPS steps of BATCH images each; per resolution the trainer's mean images/s over the steps after the first (the
# first pays JIT and an empty prefetch queue), its mean data wait per step, peak RSS (/usr/bin/time -v) and the
# memory estimate the trainer printed. RESOLUTIONS, STEPS, BATCH, THREADS override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
resolutions=${RESOLUTIONS:-64 128 256 512 1024}
steps=${STEPS:-4}
batch=${BATCH:-4}
threads=${THREADS:-2}
out=$(mktemp -d /tmp/gancluster-bench-highres-XXXXXX)
trap 'rm -rf "$out"' EXIT
echo "| resolution | img/s (steps 2..$steps) | data wait (s/step) | peak RSS (MiB) | estimate |"
echo "|---|---|---|---|---|"
for r in $resolutions; do
  /usr/bin/time -v -o "$out/time-$r" ./gancluster train --set model.resolution="$r" --set model.ngf=4 --set model.ndf=4 \
    --set model.nz=16 --set batch_size="$batch" --set steps="$steps" --set threads="$threads" --set sample_every=0 \
    --set log_every=1000 --set checkpoint.every=0 --out "$out/run-$r" > "$out/log-$r" 2>&1
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$out/time-$r")
  estimate=$(sed -n 's/.*memory estimate: \([0-9.]* [GM]iB\).*/\1/p' "$out/log-$r")
  read -r rate wait < <(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
later = rows[1:] or rows
span = later[-1]["time"] - rows[0]["time"]
images = sum(r["batch_size"] for r in later)
wait = sum(r["data_wait_seconds"] for r in rows) / len(rows)
print(f"{images / span:.2f}" if span > 0 else "n/a", f"{wait:.3f}")
' "$out/run-$r/metrics.jsonl")
  echo "| $r | $rate | $wait | $rss | $estimate |"
done
