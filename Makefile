# GanCluster — the two commands a newcomer needs: `make run` and `make test`.
# Both install what is missing (Debian packages, NuGet restore, the TorchSharp native fix) and build first.
CONFIG ?= Release
DOTNET ?= dotnet
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: all deps build test run bench-step clean

all: build

deps:
	@build/scripts/deps.sh

build: deps
	$(DOTNET) build GanCluster.sln -c $(CONFIG) --nologo -v quiet -clp:NoSummary

# Unit and integration tests of every project; ends with "N passed, N failed".
# Debian's `prometheus` brings promtool and the server the monitoring tests run against; `chromium` loads the run
# report headless; `nftables` and `iproute2` (nft, ip, tc) build the multi-host test bed (its tests need root);
# python3-scipy and python3-torchvision compute the independent references of the quality measures (scipy's sqrtm for
# FID) and of Inception-v3; python3-skimage ships the real RGB photographs (PNG and JPEG, 300-1411 px) the folder-source
# tests read at 64..1024 px; helm and kubectl (for the Kubernetes manifest tests) are fetched once into build/tools/k8s,
# the S3-compatible test server (npm s3rver 3.7.1, for checkpoint.uri: s3://...) into build/tools/s3rver.
test: build k8s-tools s3-tools
	@build/scripts/deps.sh prometheus chromium nftables iproute2 python3-scipy python3-torchvision python3-skimage
	@build/scripts/test-summary.sh $(CONFIG)

# Alert and recording rules of deploy/monitoring/: promtool check rules + the rule unit tests.
.PHONY: monitoring-check
monitoring-check:
	@build/scripts/deps.sh prometheus
	cd deploy/monitoring && promtool check rules rules/recording-rules.yaml rules/alert-rules.yaml && promtool test rules rules-tests.yaml

.PHONY: k8s-tools s3-tools sync-monitoring k8s-base
k8s-tools:
	@build/scripts/k8s-tools.sh >/dev/null

s3-tools:
	@build/scripts/s3-tools.sh >/dev/null

# The chart and k8s/base carry copies of deploy/monitoring (helm and kustomize cannot read outside their folder).
sync-monitoring:
	rm -rf helm/gancluster/files/monitoring && mkdir -p helm/gancluster/files/monitoring
	cp -r deploy/monitoring/rules deploy/monitoring/dashboards helm/gancluster/files/monitoring/
	$(MAKE) k8s-base

# k8s/base is `gancluster k8s render` of the example run (a test checks that it is up to date); the random
# token.env it writes is ignored by git.
k8s-base: build
	rm -rf k8s/base
	./gancluster k8s render --config examples/mnist-dcgan.yaml --workers 4 --image gancluster:0.1.0-cuda --out k8s/base

# DCGAN on the embedded MNIST (examples/mnist-dcgan.yaml), data-parallel over 2 trainer processes on loopback
# (`gancluster local`: a coordinator and 2 trainers): recognisable digits in a few minutes on 2 CPU cores.
run: build
	./gancluster local --workers 2 --config examples/mnist-dcgan.yaml --set threads=1

# Fault injection on real processes (docs/fault-tolerance.md): 3 trainers, 2 trainer kills (one during a checkpoint
# write), 1 SIGSTOP/SIGCONT pause, 1 coordinator kill; checks every step once, identical replicas, every failure
# recovered, and prints recovery p50/max. A few minutes on 2 cores. The short version runs in `make test`.
.PHONY: chaos
chaos: build
	./gancluster chaos --workers 3 --kills 2 --pauses 1 --coordinator-kills 1 --out runs/chaos-$$(date +%Y%m%d-%H%M%S) \
		--set steps=3000 --set batch_size=32 --set model.ngf=16 --set model.ndf=16 --set checkpoint.every=100 \
		--set sample_every=0 --set log_every=500 --set threads=1

# The trainer's step vs a bare TorchSharp loop of the same model, and RSS after 50 vs 500 steps.
bench-step: build
	$(DOTNET) run --project bench/GanCluster.Bench -c $(CONFIG) --no-build -- step

# images/s of `gancluster local --workers 1` vs `--workers 2` (one torch thread each) and the share of the 2-worker
# step spent outside compute (docs/BENCHMARKS.md). A few minutes on 2 cores.
.PHONY: bench-scale
bench-scale: build
	$(DOTNET) run --project bench/GanCluster.Bench -c $(CONFIG) --no-build -- scale

# The control plane at N simulated trainers (`trainer --simulate`: the real node and data plane, a fake step; docs/scaling.md):
# first world, kill -> next step, rejoin, simultaneous and spaced kills (worlds formed), coordinator CPU, RSS and control
# messages/s, Akka join -> Up; then each one's growth with N (log-log exponent). SIZES and RANKS_PER_NODE override the
# defaults; about 120 MB and a few CPU-seconds per trainer process: 15-30 minutes on 2 busy cores.
SIZES ?= 8,32,64
RANKS_PER_NODE ?= 1
.PHONY: bench-control
bench-control: build
	$(DOTNET) run --project bench/GanCluster.Bench -c $(CONFIG) --no-build -- control --sizes $(SIZES) --ranks-per-node $(RANKS_PER_NODE)

clean:
	$(DOTNET) clean GanCluster.sln -c $(CONFIG) --nologo -v quiet

# Neural style transfer example for docs/style-transfer.md: regenerates the inputs (an embedded MNIST digit and a
# drawn brush-stroke texture), the output with the default network (the shipped pretrained ResNet18) and, for the
# before/after comparison, with the random CNN (--network random). No weights to download. About 15 minutes on 2 cores.
.PHONY: style-example
style-example: build
	./gancluster style example-inputs docs/images --size 128
	./gancluster style --content docs/images/style-content.png --style docs/images/style-texture.png \
		--out docs/images/style-output.png --size 128 --steps 150 --log-every 25
	./gancluster style --content docs/images/style-content.png --style docs/images/style-texture.png \
		--out docs/images/style-output-random.png --size 128 --steps 150 --log-every 25 --network random

# Sample quality against a peer (docs/BENCHMARKS.md): pytorch/examples' DCGAN (Debian's python3-torch) and GanCluster
# trained on the embedded MNIST with the same architecture, batch and steps, both scored by `gancluster evaluate`
# (FID/KID/precision/recall); prints both and their ratio. STEPS, BATCH, NGF, N, FEATURES override the defaults.
# About 10 minutes on 2 quiet cores (defaults: 200 steps, ngf = ndf = 16, 1000 samples).
.PHONY: bench-quality
bench-quality: build
	@build/scripts/deps.sh python3-torch
	bench/quality.sh

# Rescuing a dead start (issue 23, docs/BENCHMARKS.md): the configuration where D wins from the first steps (MNIST 64x64,
# ngf = ndf = 16, batch 64, Adam 2e-4/0.5) run by pytorch/examples' DCGAN and by GanCluster with no remedy, each policy,
# augmentation and regulariser, and the automatic rescue; all scored by `gancluster evaluate`. STEPS (1570), CONFIGS,
# JOBS, N override the defaults. Each 1570-step run takes about 30 minutes on one quiet core: hours for the full set.
.PHONY: bench-rescue
bench-rescue: build
	@build/scripts/deps.sh python3-torch
	bench/rescue.sh

# High resolution (docs/BENCHMARKS.md): a tiny DCGAN on the full embedded MNIST at 64..1024 px, one process; img/s,
# data wait per step, peak RSS and the trainer's own memory estimate per resolution. A few minutes on 2 quiet cores.
.PHONY: bench-highres
bench-highres: build
	bench/highres.sh

# Gradient accumulation's memory (docs/BENCHMARKS.md): the same 1024 px step as one batch and as micro-batches,
# peak RSS while training. About two minutes on 2 quiet cores.
.PHONY: bench-accumulate
bench-accumulate: build
	bench/accumulate-memory.sh

# The data pipeline vs PyTorch's DataLoader with PIL (docs/BENCHMARKS.md): images/s decoded, cropped and resized at 256
# and 1024 px from real photographs, same files and worker count, alternating runs. A few minutes on 2 quiet cores.
.PHONY: bench-data
bench-data: build
	@build/scripts/deps.sh python3-torch python3-torchvision python3-pil python3-skimage
	bench/data.sh

# The two routes to high resolution side by side (docs/BENCHMARKS.md): DCGAN, progressive growing and MSG-GAN at 32x32
# on the embedded MNIST with the same budget of images seen, one after the other, each scored by `gancluster evaluate`
# (FID/KID/precision/recall on the MNIST embedding). IMAGES, BATCH, WIDTH, N, COMBINE override the defaults.
# About 15 minutes on 2 busy cores (defaults: 6272 images each, batch 32, widths 16, 1000 samples).
.PHONY: bench-msg
bench-msg: build
	bench/msg-compare.sh

# Ring all-reduce (25 MB fp32, 2 and 3 local processes) vs PyTorch Gloo (Debian's python3-torch, installed here if
# missing; skipped with a message if that fails) and the raw loopback TCP bound; bf16/fp16 wire speed and error.
# Then the same between 2 and 3 hosts of the multi-host test bed (TCP only), links uncapped and capped at 10 and
# 1 Gbit/s (needs root; skipped with the reason otherwise). `make bench-allreduce-hosts` runs only the cross-host part.
.PHONY: bench-allreduce bench-allreduce-hosts
bench-allreduce: build
	@build/scripts/deps.sh python3-torch || echo "bench-allreduce: could not install python3-torch; the Gloo comparison will be skipped"
	$(DOTNET) run --project bench/GanCluster.Bench -c $(CONFIG) --no-build -- allreduce
	@$(MAKE) --no-print-directory bench-allreduce-hosts

bench-allreduce-hosts: build
	@build/scripts/deps.sh nftables iproute2
	@build/scripts/deps.sh python3-torch || echo "bench-allreduce-hosts: could not install python3-torch; the Gloo comparison will be skipped"
	$(DOTNET) run --project bench/GanCluster.Bench -c $(CONFIG) --no-build -- allreduce-hosts

# The flat ring vs the hierarchical schedule (docs/scaling.md) on test-bed hosts of several ranks each: 2-4 hosts x 2-4
# ranks, 4 KiB and 4 MiB, uncapped and 1 Gbit/s, side by side in the same processes; prints ring / hierarchical and the
# model's ratio. Needs root (skipped with the reason otherwise). SCHEDULE_ARGS adds options (--layouts, --sizes, --links).
.PHONY: bench-allreduce-schedule
bench-allreduce-schedule: build
	@build/scripts/deps.sh nftables iproute2
	$(DOTNET) run --project bench/GanCluster.Bench -c $(CONFIG) --no-build -- allreduce-schedule $(SCHEDULE_ARGS)

# Faults on separate hosts (docs/fault-tolerance.md, "The test bed"): a coordinator and 4 trainers, each on its own
# host of the multi-host test bed (network namespaces with own address, hostname and /dev/shm; static seed nodes;
# restart-on-failure supervisors), a seeded random schedule of kills, pauses, full / data-plane / control-plane
# partitions and bandwidth caps (1 s to 60 s), then the checker's table per fault kind. SEED=n replays a schedule;
# NEMESIS_ARGS adds options (--faults, --steps, --max-fault-seconds up to 300, --kinds, --verbose). Needs root.
.PHONY: nemesis
nemesis: build
	@build/scripts/deps.sh nftables iproute2
	$(DOTNET) run --project tests/GanCluster.TestBed -c $(CONFIG) --no-build -- nemesis $(if $(SEED),--seed $(SEED)) $(NEMESIS_ARGS)
