#!/usr/bin/env bash
# `make bench-rescue` (issue 23): the failing configuration of bench/rescue-dcgan.yaml (embedded MNIST 64x64, ngf = ndf =
# 16, batch 64, Adam 2e-4/0.5) run by pytorch/examples' DCGAN (bench/dcgan_mnist.py, Debian's python3-torch) and by
# GanCluster with no remedy, with each remedy, and with the automatic rescue; every run scored by the same evaluator
# (`gancluster evaluate` on N samples, MNIST features: classes covered, KL from uniform, collapse score, FID, KID,
# precision, recall). Prints one table row per run.
# Settings: STEPS (1570 = 10 epochs), N (1000), CONFIGS (which runs, default all, e.g. CONFIGS="none diffaugment rescue"),
# JOBS (runs at once, default 1), OUT, GANCLUSTER (the CLI; a copy keeps a benchmark safe from rebuilds).
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${STEPS:-1570}
N=${N:-1000}
JOBS=${JOBS:-1}
CONFIGS=${CONFIGS:-"pytorch none skip-d adaptive diffaugment ada r1 spectral-norm diffaugment-r1 rescue rescue-strong"}
OUT=${OUT:-runs/bench-rescue-$(date +%Y%m%d-%H%M%S)}
GC=${GANCLUSTER:-./gancluster}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
mkdir -p "$OUT"
echo "bench-rescue: $STEPS steps, configs: $CONFIGS; scored on $N samples; output in $OUT"

# The remedy of each configuration, as --set overrides of bench/rescue-dcgan.yaml (quoted for the eval in run()).
remedy() {
  case "$1" in
    none) ;;
    skip-d) echo "--set 'policy=[{kind: skip-d}]'" ;;
    adaptive) echo "--set 'policy=[{kind: adaptive}]'" ;;
    diffaugment) echo "--set augment.kind=diffaugment" ;;
    ada) echo "--set augment.kind=ada --set augment.adjust_images=50000" ;;
    r1) echo "--set regularization.r1_gamma=1" ;;
    spectral-norm) echo "--set regularization.spectral_norm=true" ;;
    diffaugment-r1) echo "--set augment.kind=diffaugment --set regularization.r1_gamma=1" ;;
    rescue) echo "--set collapse.response.enabled=true --set collapse.response.window=1 --set 'collapse.response.mitigation=[{kind: rescue, patience: 2}]'" ;;
    rescue-strong) echo "--set collapse.response.enabled=true --set collapse.response.window=1 --set 'collapse.response.mitigation=[{kind: rescue, p: 1, patience: 2}]'" ;;
    *) echo "unknown config '$1'" >&2; exit 2 ;;
  esac
}

run() {
  local name=$1 start
  start=$(date +%s)
  if [ "$name" = pytorch ]; then
    "$PY" bench/dcgan_mnist.py --data data/mnist10k-images-idx3-ubyte.gz --out "$OUT/pytorch-samples.idx" \
      --steps "$STEPS" --batchSize 64 --ngf 16 --ndf 16 --n "$N" > "$OUT/pytorch.log" 2>&1
    echo $(( $(date +%s) - start )) > "$OUT/pytorch.seconds"
    "$GC" evaluate --samples "$OUT/pytorch-samples.idx" --resolution 64 --channels 1 --count "$N" --features mnist > "$OUT/pytorch.json"
  else
    # shellcheck disable=SC2046 # the overrides are words
    eval "\"$GC\" train --config bench/rescue-dcgan.yaml --out \"$OUT/$name\" --set steps=$STEPS $(remedy "$name")" > "$OUT/$name.log" 2>&1 || true
    echo $(( $(date +%s) - start )) > "$OUT/$name.seconds"
    "$GC" evaluate --samples "$OUT/$name" --count "$N" --features mnist > "$OUT/$name.json"
  fi
  echo "done: $name ($(cat "$OUT/$name.seconds") s)"
}

running=0
for c in $CONFIGS; do
  run "$c" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

"$PY" - "$OUT" $CONFIGS <<'PYEOF'
import json, os, sys
out, configs = sys.argv[1], sys.argv[2:]
keys = ["classes_covered", "kl_uniform", "collapse_score", "fid", "kid", "precision", "recall"]
print(f"\n{'config':<16}" + "".join(f"{k:>16}" for k in keys) + f"{'flagged':>9}{'rescues':>9}{'train s':>9}")
for c in configs:
    try:
        r = json.load(open(f"{out}/{c}.json"))
    except (OSError, ValueError):
        print(f"{c:<16} (no result: see {out}/{c}.log)")
        continue
    flagged, rescues = "-", "-"
    events = f"{out}/{c}/events.jsonl"
    if os.path.exists(events):
        lines = [json.loads(l) for l in open(events)]
        ends = [l for l in lines if l["kind"] in ("run_finished", "collapse_stopped", "run_interrupted")]
        flag = (ends[-1]["details"].get("collapse") or {}).get("flag", {}) if ends else {}
        flagged = "yes" if flag.get("suspected") else "no"
        rescues = str(sum(1 for l in lines if l["kind"] == "collapse_rescue"))
    seconds = open(f"{out}/{c}.seconds").read().strip()
    print(f"{c:<16}" + "".join(f"{(r.get(k) if r.get(k) is not None else float('nan')):>16.4f}" for k in keys) + f"{flagged:>9}{rescues:>9}{seconds:>9}")
PYEOF
