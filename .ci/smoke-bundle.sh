#!/usr/bin/env bash
# Smoke test of the build output (run after `npm run build`):
#   1. dist/gateway.bundle.js, what `npm start` and the container run (through the loader
#      dist/gateway.js), holds no simulator code, and V8 accepts its code cache under the flags of
#      `npm start` (a rejected cache costs ~11 MB of idle RSS: src/bundleLoader/compileBundle.ts);
#   2. with dist/dev.js beside it, it starts on its embedded default and answers the README's
#      first query with the printed service key, then exits 0 on SIGTERM;
#   3. laid out as the production image lays it out (the embedded default set aside), it holds
#      no simulator code anywhere in dist/, and without SEEK credentials it exits 1 with a message
#      naming SEEK_CLIENT_ID.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
image=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$log" "$image"' EXIT

# 1. `grep -c` prints a count per file (and fails when all are 0, hence `|| true`); awk sums them.
count=$({ grep -c startSeekSimulator dist/gateway.js dist/gateway.bundle.js || true; } |
  awk -F: '{ n += $2 } END { print n }')
echo "bundle smoke: startSeekSimulator in dist/gateway.js and dist/gateway.bundle.js: $count"
[ "$count" = 0 ]
[ -f dist/dev.js ] && grep -q startSeekSimulator dist/dev.js
flags=$(node -p "require('./package.json').scripts.start.split(/\\s+/).filter((p) => p.startsWith('--')).join(' ')")
# shellcheck disable=SC2086 # the flags are words
cache=$(node $flags -p "const b = require('./dist/src/bundleLoader/compileBundle.js').compileBundle(require('node:path').resolve('dist')); b.kind === 'cached' ? (b.rejected ? 'rejected' : 'used') : b.reason")
echo "bundle smoke: code cache under '$flags': $cache"
[ "$cache" = used ]

# 2.
port=$((20000 + RANDOM % 20000))
PORT=$port HOST=127.0.0.1 node dist/gateway.js >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
key=$(grep -o 'dev-[A-Za-z0-9_-]*' "$log" | head -1)
answer=$(curl -fs "http://127.0.0.1:$port/graphql" -H "authorization: Bearer $key" \
  -H 'content-type: application/json' -d '{"query":"{ version self { partner { name } } }"}')
echo "bundle smoke: $answer"
echo "$answer" | grep -q '"partner":{"name":"Simulated Partner"}'
kill -TERM "$pid"
wait "$pid"
echo "bundle smoke: exited $?"
pid=

# 3. The same step as the Dockerfile's build stage, on a copy.
cp -R dist schema package.json "$image/"
ln -s "$PWD/node_modules" "$image/node_modules"
(cd "$image" && node "$OLDPWD/scripts/bundle.mjs" --set-aside-dev dev-dist)
if grep -rl startSeekSimulator "$image/dist"; then
  echo "bundle smoke: the production layout still holds simulator code (files above)" >&2
  exit 1
fi
status=0
(cd "$image" && env -i PATH="$PATH" PORT=0 HOST=127.0.0.1 LOG_LEVEL=silent \
  node dist/gateway.js >/dev/null 2>"$log") || status=$?
echo "bundle smoke: production layout, no credentials: exit $status: $(cat "$log")"
[ "$status" = 1 ]
grep -q 'SEEK_CLIENT_ID' "$log"
