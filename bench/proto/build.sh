#!/bin/sh
# Compiles the bench prototypes (bench/proto/*.ts) to bench/cache/proto/*.mjs, importing the
# built ovnscope (dist/) — so they share its modules, its code fingerprint and its .cache/.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/bench/cache/proto"
mkdir -p "$out"
for f in fast-build tuple-index oneshot; do
  "$root/node_modules/.bin/esbuild" "$root/bench/proto/$f.ts" --format=esm --platform=node --target=node20 --log-level=warning --outfile="$out/$f.mjs"
  sed -i -e "s#from \"\.\./\.\./src/\([^\"]*\)\"#from \"$root/dist/\1\"#g" -e "s#from \"\./\([a-z-]*\)\.js\"#from \"./\1.mjs\"#g" "$out/$f.mjs"
done
