#!/usr/bin/env bash
# `make bench-msg`: DCGAN, progressive growing and MSG-GAN at 32x32 on the embedded MNIST, trained one after the
# other on the same budget of images seen (one torch thread each, batch BATCH), then each final checkpoint scored by
# the same evaluator (`gancluster evaluate`, the MNIST classifier embedding: FID/KID/precision/recall and the collapse
# measures) on N generated images. Prints one table: images seen, steps, wall seconds, img/s and the scores. A fourth
# run, dcgan-time, trains DCGAN for as long as msg took (its steps scaled by the two runs' speeds): the same wall time.
# The progressive schedule spends the budget in 7 equal phases (4 stable, then fade-in + stable at 8, 16 and 32), so
# its images are cheaper on average than the two fixed-resolution networks'.
# Settings: IMAGES (budget, rounded down to 7 phases of whole batches), BATCH, WIDTH (dcgan ngf = ndf; progressive
# and msg fmaps), NZ, N, COMBINE (msg.combine), OUT, GANCLUSTER (the CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGES=${IMAGES:-6272}
BATCH=${BATCH:-32}
WIDTH=${WIDTH:-16}
NZ=${NZ:-64}
N=${N:-1000}
COMBINE=${COMBINE:-simple}
OUT=${OUT:-runs/bench-msg-$(date +%Y%m%d-%H%M%S)}
GC=${GANCLUSTER:-./gancluster}
PHASE=$(( IMAGES / 7 / BATCH * BATCH ))   # images per progressive phase
STEPS=$(( 7 * PHASE / BATCH ))            # the fixed-resolution networks' steps for the same images
mkdir -p "$OUT"
echo "bench-msg: 32x32, $(( 7 * PHASE )) images each (batch $BATCH, $STEPS steps; progressive: 7 phases of $PHASE), width $WIDTH, nz $NZ; scored on $N samples; output in $OUT"

COMMON=(--set model.resolution=32 --set model.nz="$NZ" --set batch_size="$BATCH" --set sample_every=0 --set log_every=50
        --set checkpoint.every=0 --set threads=1)
train() { # name, then train arguments
  local name=$1; shift
  local start; start=$(date +%s.%N)
  "$GC" train --out "$OUT/$name" "${COMMON[@]}" "$@" > "$OUT/$name.log" 2>&1 || { cat "$OUT/$name.log"; exit 1; }
  echo "$name $start $(date +%s.%N)" >> "$OUT/wall.txt"
  tail -n 1 "$OUT/$name.log"
}
train dcgan --config examples/mnist-dcgan.yaml --set steps="$STEPS" --set model.ngf="$WIDTH" --set model.ndf="$WIDTH"
train progressive --config examples/mnist-progressive.yaml --set model.fmaps="$WIDTH" --set progressive.fade_images="$PHASE" \
  --set progressive.stable_images="$PHASE" --set "progressive.batch_size={4: $BATCH, 8: $BATCH, 16: $BATCH, 32: $BATCH}"
train msg --config examples/mnist-msg.yaml --set steps="$STEPS" --set model.fmaps="$WIDTH" --set msg.combine="$COMBINE"
TIME_STEPS=$(python3 -c "
w = {n: float(e) - float(s) for n, s, e in (l.split() for l in open('$OUT/wall.txt'))}
print(max(1, round($STEPS * w['msg'] / w['dcgan'])))")
train dcgan-time --config examples/mnist-dcgan.yaml --set steps="$TIME_STEPS" --set model.ngf="$WIDTH" --set model.ndf="$WIDTH"

for name in dcgan progressive msg dcgan-time; do
  "$GC" evaluate --samples "$OUT/$name" --count "$N" --features mnist > "$OUT/$name.json" 2> "$OUT/$name.evaluate.log"
  "$GC" sample --checkpoint "$OUT/$name" --count 64 --out "$OUT/$name-samples.png" > /dev/null 2>&1 || true
done

python3 - "$OUT" <<'PYEOF'
import json, sys
out = sys.argv[1]
wall = {n: float(end) - float(start) for n, start, end in (line.split() for line in open(f"{out}/wall.txt"))}
names = ["dcgan", "progressive", "msg", "dcgan-time"]
scores = {n: json.load(open(f"{out}/{n}.json")) for n in names}
last = {n: json.loads(open(f"{out}/{n}/metrics.jsonl").read().splitlines()[-1]) for n in names}
first = scores["msg"]
print(f"\nfeatures: {first['features']}; n = {first['n']}, reference: {first['reference']} ({first['reference_n']} images)")
print(f"{'':<18}" + "".join(f"{n:>14}" for n in names))
print(f"{'images seen':<18}" + "".join(f"{last[n]['images']:>14}" for n in names))
print(f"{'steps':<18}" + "".join(f"{last[n]['step']:>14}" for n in names))
print(f"{'train wall s':<18}" + "".join(f"{wall[n]:>14.0f}" for n in names))
print(f"{'img/s (overall)':<18}" + "".join(f"{last[n]['images'] / wall[n]:>14.1f}" for n in names))
for key in ["fid", "kid", "precision", "recall", "density", "coverage", "kl_uniform", "classes_covered", "collapse_score"]:
    print(f"{key:<18}" + "".join(f"{scores[n][key]:>14.4f}" for n in names))
PYEOF
