#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, only those missing. Safe to run repeatedly.
#   patchelf, gcc: the TorchSharp native fix (build/FixTorchNative.cs) on hosts older than GCC 13
# Later sections of the Makefile pass extra package names as arguments.
set -euo pipefail
want=(patchelf gcc "$@")
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ! command -v dotnet >/dev/null 2>&1; then
  echo "deps: the .NET 10 SDK is required (dotnet not on PATH); see README.md, Troubleshooting" >&2
  exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null || true
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
