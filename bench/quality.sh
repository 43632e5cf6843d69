#!/usr/bin/env bash
# `make bench-quality`: pytorch/examples' DCGAN (bench/dcgan_mnist.py, Debian's python3-torch) and GanCluster
# (bench/quality-dcgan.yaml) trained on the same embedded MNIST with the same architecture, batch and number of steps,
# one after the other with one torch thread each; then both scored by the same evaluator (`gancluster evaluate`,
# FEATURES: the MNIST classifier embedding by default) on N samples each. Prints both and their ratio
# (GanCluster / PyTorch). Settings: STEPS, BATCH, NGF (also ndf), N, FEATURES, OUT, GANCLUSTER (the CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${STEPS:-200}
BATCH=${BATCH:-64}
NGF=${NGF:-16}
N=${N:-1000}
FEATURES=${FEATURES:-mnist}
OUT=${OUT:-runs/bench-quality-$(date +%Y%m%d-%H%M%S)}
GC=${GANCLUSTER:-./gancluster}  # the CLI to run (a copy keeps a benchmark safe from rebuilds)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
mkdir -p "$OUT"
echo "bench-quality: $STEPS steps, batch $BATCH, ngf = ndf = $NGF, 64x64, scored on $N samples with --features $FEATURES; output in $OUT"

start=$(date +%s)
"$PY" bench/dcgan_mnist.py --data data/mnist10k-images-idx3-ubyte.gz --out "$OUT/pytorch-samples.idx" \
  --steps "$STEPS" --batchSize "$BATCH" --ngf "$NGF" --ndf "$NGF" --n "$N" | tee "$OUT/pytorch.log"
pytorch_s=$(( $(date +%s) - start ))

start=$(date +%s)
"$GC" train --config bench/quality-dcgan.yaml --out "$OUT/gancluster" \
  --set steps="$STEPS" --set batch_size="$BATCH" --set model.ngf="$NGF" --set model.ndf="$NGF" | tee "$OUT/gancluster.log"
gancluster_s=$(( $(date +%s) - start ))

"$GC" evaluate --samples "$OUT/pytorch-samples.idx" --resolution 64 --channels 1 --count "$N" --features "$FEATURES" > "$OUT/pytorch.json"
"$GC" evaluate --samples "$OUT/gancluster" --count "$N" --features "$FEATURES" > "$OUT/gancluster.json"

"$PY" - "$OUT" "$pytorch_s" "$gancluster_s" <<'PYEOF'
import json, sys
out, pt_s, gc_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pt, gc = json.load(open(f"{out}/pytorch.json")), json.load(open(f"{out}/gancluster.json"))
print(f"\nfeatures: {gc['features']} ({gc['features_description']}); n = {gc['n']}, reference: {gc['reference']} ({gc['reference_n']} images)")
print(f"{'measure':<16}{'pytorch/examples':>18}{'GanCluster':>14}{'ratio GC/PT':>14}")
for key in ["fid", "kid", "precision", "recall", "density", "coverage", "kl_uniform", "classes_covered", "collapse_score"]:
    a, b = pt[key], gc[key]
    ratio = f"{b / a:.3f}" if isinstance(a, (int, float)) and a not in (0, None) else "-"
    print(f"{key:<16}{a:>18.4f}{b:>14.4f}{ratio:>14}")
print(f"{'train wall s':<16}{pt_s:>18}{gc_s:>14}{gc_s / max(pt_s, 1):>14.3f}")
PYEOF
