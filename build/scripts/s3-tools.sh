#!/usr/bin/env bash
# Installs the S3-compatible test server, the npm package s3rver 3.7.1, into build/tools/s3rver/ (once) for the
# checkpoint-storage tests (checkpoint.uri: s3://...). Prints the folder. Safe to run repeatedly.
set -euo pipefail
pkg="s3rver@3.7.1"
root=$(cd "$(dirname "$0")/../.." && pwd)
dest="${GANCLUSTER_S3_TOOLS:-$root/build/tools/s3rver}"
if [ -f "$dest/node_modules/s3rver/package.json" ] && [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$pkg" ]; then
  echo "$dest"; exit 0
fi
command -v npm >/dev/null 2>&1 || "$root/build/scripts/deps.sh" npm >&2
mkdir -p "$dest"
(cd "$dest" && npm install --silent --no-audit --no-fund --no-save --prefix "$dest" "$pkg" >&2)
echo "$pkg" > "$dest/.version"
echo "$dest"
