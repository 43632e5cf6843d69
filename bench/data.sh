#!/usr/bin/env bash
# make bench-data: images/s of the trainer's data pipeline (FolderImageSource + BatchLoader's prefetch workers:
# decode, center-crop, resize to [-1, 1] floats) vs PyTorch's DataLoader with PIL and torchvision transforms
# (bench/torch_dataloader.py, Debian's python3-torch 1.13), same files, same worker count, same batch size, run
# alternately ROUNDS times so both see the same machine load. The files: scikit-image's sample photographs
# (python3-skimage; PNG and JPEG, 300-1411 px) copied COPIES times each. RESOLUTIONS, WORKERS, BATCH, BATCHES,
# ROUNDS, COPIES override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
resolutions=${RESOLUTIONS:-256 1024}
workers_list=${WORKERS:-1 2}
batch=${BATCH:-16}
batches=${BATCHES:-12}
rounds=${ROUNDS:-2}
copies=${COPIES:-16}
skimage=/usr/lib/python3/dist-packages/skimage/data
photos=(astronaut.png chelsea.png coffee.png motorcycle_left.png rocket.jpg hubble_deep_field.jpg retina.jpg)
dir=$(mktemp -d /tmp/gancluster-bench-data-XXXXXX)
trap 'rm -rf "$dir"' EXIT
for c in $(seq 1 "$copies"); do
  for p in "${photos[@]}"; do cp "$skimage/$p" "$dir/$c-$p"; done
done
bench=(dotnet run --project bench/GanCluster.Bench -c "${CONFIG:-Release}" --no-build -- data)
rate() { sed -n 's/^images_per_second \([0-9.]*\).*/\1/p'; }
echo "files: $((copies * ${#photos[@]})) photographs ($(du -sh "$dir" | cut -f1)); batch $batch, $batches batches after one warm-up batch, $rounds rounds alternating"
echo "| resolution | workers | GanCluster img/s | DataLoader+PIL img/s | ratio (GanCluster / DataLoader) |"
echo "|---|---|---|---|---|"
for r in $resolutions; do
  for w in $workers_list; do
    ours=(); theirs=()
    for _ in $(seq 1 "$rounds"); do
      ours+=("$("${bench[@]}" --folder "$dir" --resolution "$r" --workers "$w" --batch "$batch" --batches "$batches" | rate)")
      theirs+=("$(/usr/bin/python3 bench/torch_dataloader.py --folder "$dir" --resolution "$r" --workers "$w" --batch "$batch" --batches "$batches" | rate)")
    done
    /usr/bin/python3 - "$r" "$w" "${ours[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
r, w, ours, theirs = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3].split()], [float(x) for x in sys.argv[4].split()]
a, b = statistics.median(ours), statistics.median(theirs)
print(f"| {r} | {w} | {a:.1f} | {b:.1f} | {a / b:.2f}x |")
PY
  done
done
