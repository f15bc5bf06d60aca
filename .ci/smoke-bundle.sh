#!/usr/bin/env bash
# Starts the built bundle (dist/gateway.js, what `npm start` and the container run) on its
# embedded default and asks it the README's first query with the printed service key.
set -euo pipefail
cd "$(dirname "$0")/.."
port=$((20000 + RANDOM % 20000))
log=$(mktemp)
PORT=$port HOST=127.0.0.1 node dist/gateway.js >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
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
