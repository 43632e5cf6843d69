#!/usr/bin/env bash
# make bench-accumulate: peak memory of the same 1024 px DCGAN step (IMAGES images per step, one process) trained as
# one batch and as micro-batches with gradient accumulation. Peak RSS *while the steps run*: VmRSS polled every
# 0.2 s up to the last step's log line (the end-of-run sample grid comes after and would dominate VmHWM).
# RESOLUTION, IMAGES, MICRO, STEPS override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
resolution=${RESOLUTION:-1024}
images=${IMAGES:-8}
micro=${MICRO:-2}
steps=${STEPS:-3}
out=$(mktemp -d /tmp/gancluster-bench-accumulate-XXXXXX)
trap 'rm -rf "$out"' EXIT
common=(--set model.resolution="$resolution" --set model.ngf=4 --set model.ndf=4 --set model.nz=16 --set steps="$steps"
  --set threads=1 --set sample_every=0 --set checkpoint.every=0 --set collapse.enabled=false --set log_every=1)
run() { # name, extra args...
  local name=$1; shift
  ./gancluster train --out "$out/$name" "${common[@]}" "$@" > "$out/$name.log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    echo "$(date +%s.%N) $(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)" >> "$out/$name.rss"; sleep 0.2
  done
  wait "$pid"
  /usr/bin/python3 - "$name" "$out/$name.log" "$out/$name.rss" <<'PY'
import datetime, re, sys
name, log, rss = sys.argv[1:]
lines = open(log).read().splitlines()
steps = [l for l in lines if re.search(r"step \d+/\d+ \|", l)]
estimate = next((re.search(r"memory estimate: ([0-9.]+ [GM]iB)", l).group(1) for l in lines if "memory estimate" in l), "?")
last = datetime.datetime.strptime(steps[-1][:23], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()
during = [int(r) for t, r in (l.split() for l in open(rss) if len(l.split()) == 2) if float(t) <= last]
print(f"| {name} | {len(steps)} | {max(during) / 1024:.0f} MiB | {estimate} |")
PY
}
echo "DCGAN ${resolution} px, ${images} images per step, ${steps} steps, one process"
echo "| run | steps | peak RSS while training | estimate printed |"
echo "|---|---|---|---|"
run "batch_size=$images" --set batch_size="$images"
run "batch_size=$micro,accumulate=$((images / micro))" --set batch_size="$micro" --set accumulate=$((images / micro))
