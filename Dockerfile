# syntax=docker/dockerfile:1
# GanCluster images: `gancluster` as the entrypoint, non-root (uid 10001), read-only-root friendly.
#   GPU (default):  docker build -t gancluster:0.1.0-cuda .
#   CPU smoke runs: docker build --build-arg BACKEND=cpu --build-arg RUNTIME_BASE=mcr.microsoft.com/dotnet/runtime-deps:10.0-bookworm-slim -t gancluster:0.1.0-cpu .
#   Coordinator:    docker build --target coordinator -t gancluster:0.1.0-coordinator .
#                   (no libtorch, no CUDA base: the coordinator never runs a tensor; TorchFreeCoordinatorTests keeps it so)
# See docs/kubernetes.md. BACKEND feeds the build switch -p:TorchBackend (cpu: TorchSharp-cpu, cuda: TorchSharp-cuda-linux,
# none: the managed API only).
ARG BACKEND=cuda
ARG RUNTIME_BASE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

FROM mcr.microsoft.com/dotnet/sdk:10.0-bookworm-slim AS source
WORKDIR /src
# patchelf/gcc: the TorchSharp native fix (build/FixTorchNative.cs) that the build applies.
RUN apt-get update && apt-get install -y --no-install-recommends patchelf gcc && rm -rf /var/lib/apt/lists/*
COPY . .

FROM source AS build
ARG BACKEND
RUN dotnet publish src/GanCluster.Cli/GanCluster.Cli.csproj -c Release -p:TorchBackend=${BACKEND} \
      --self-contained true -r linux-x64 -o /out \
 && test -x /out/gancluster

FROM source AS coordinator-build
RUN dotnet publish src/GanCluster.Cli/GanCluster.Cli.csproj -c Release -p:TorchBackend=none \
      --self-contained true -r linux-x64 -o /out \
 && test -x /out/gancluster \
 && if find /out -name 'libtorch*' | grep -q .; then echo "libtorch in the coordinator image" >&2; exit 1; fi

# `gancluster coordinator` only (the other commands need the full image).
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-bookworm-slim AS coordinator
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 gancluster && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin gancluster
COPY --from=coordinator-build --chown=root:root /out /opt/gancluster
ENV PATH=/opt/gancluster:$PATH \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_gcServer=0 \
    DOTNET_EnableDiagnostics=0 \
    TMPDIR=/tmp
USER 10001:10001
WORKDIR /tmp
EXPOSE 4053 8558 9090
ENTRYPOINT ["gancluster"]
CMD ["coordinator", "--help"]

# The default target (last stage): trainers, and every command.
FROM ${RUNTIME_BASE} AS runtime
# The .NET runtime is in the self-contained publish; these are what it and libtorch/SkiaSharp need on the base.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libicu-dev libgomp1 libfontconfig1 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 gancluster && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin gancluster
COPY --from=build --chown=root:root /out /opt/gancluster
ENV PATH=/opt/gancluster:$PATH \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_gcServer=0 \
    DOTNET_EnableDiagnostics=0 \
    TMPDIR=/tmp
USER 10001:10001
WORKDIR /tmp
EXPOSE 4053 8558 5000 9090
ENTRYPOINT ["gancluster"]
CMD ["--help"]
