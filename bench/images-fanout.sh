#!/usr/bin/env bash
# Images API fan-out: images/s of POST /v1/images/generations with n: N at SIZE² through the local backend,
# behind one API node, with 1, 2 and 4 worker JVMs (SLOTS slots each). A request's N images are N jobs that
# run in parallel on free slots, on one worker or spread over several. Every request has its own prompt, so
# each image is really drawn (the local backend caches what it drew). CONNS connections, SECS seconds after
# WARMUP seconds of the same load. Writes docs/benchmarks.md unless WRITE=0.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${N:-4}
SIZE=${SIZE:-1024}
SLOTS=${SLOTS:-2}
CONNS=${CONNS:-4}
SECS=${SECS:-30}
WARMUP=${WARMUP:-20}
WRITE=${WRITE:-1}
PORT=18086
# Other clusters on the machine may hold Hazelcast's first ports: look further for our own members.
NODE_FLAGS=("${JAVA_FLAGS[@]}" -Dhazelcast.tcp.join.port.try.count=30)
ensure_wrk
build_cp
work=$(mktemp -d)
name="bench-$$"
cat > "$work/genbus.yaml" <<YAML
api:
  host: 127.0.0.1
  port: $PORT
  queue: {buffer: 0}
worker:
  backends:
    - {type: local, models: [local-image], concurrency: $SLOTS, size: 64, maxSize: $SIZE, delayMs: 0}
YAML
# A new prompt for every request (thread tag + counter); the last line wrk prints is ours.
cat > "$work/fanout.lua" <<LUA
local tag = tostring({}):sub(-6)
local count = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  count = count + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"model":"local-image","prompt":"a lighthouse at dawn %s-%d","n":$N,"size":"${SIZE}x${SIZE}"}', tag, count))
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout
  io.write(string.format("fanout %d %.3f %.1f %.1f %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
LUA
load() { # SECONDS -> "requests seconds p50_ms p99_ms errors"
  local threads=2
  [ "$CONNS" -lt 2 ] && threads=1
  wrk -t"$threads" -c"$CONNS" -d"$1"s --timeout 120s -s "$work/fanout.lua" "http://127.0.0.1:$PORT/v1/images/generations" \
    | awk '$1 == "fanout" { print $2, $3, $4, $5, $6 }'
}
start api "$work/api.log" env GENBUS_LOG_LEVEL=WARN java "${NODE_FLAGS[@]}" -Xmx2g -jar api-verticle/target/genbus-api.jar --config "$work/genbus.yaml" --cluster-name "$name"
rows=""
running=0
for workers in 1 2 4; do
  while [ "$running" -lt "$workers" ]; do
    start worker "$work/worker-$running.log" env GENBUS_LOG_LEVEL=WARN java "${NODE_FLAGS[@]}" -Xmx1g -jar worker-verticle/target/genbus-worker.jar --config "$work/genbus.yaml" --cluster-name "$name"
    running=$((running + 1))
  done
  for _ in $(seq 1 360); do
    slots=$(curl -s "http://127.0.0.1:$PORT/v1/status" | grep -o '"slots" : [0-9]*' | head -1 | grep -o '[0-9]*$' || true)
    [ "${slots:-0}" -ge $((workers * SLOTS)) ] && break
    sleep 0.5
  done
  [ "${slots:-0}" -ge $((workers * SLOTS)) ] || { echo "only ${slots:-0} of $((workers * SLOTS)) slots joined; logs in $work" >&2; exit 1; }
  if [ "$workers" = 1 ]; then # one request by hand first: the answer must hold N images of the asked size
    curl -s "http://127.0.0.1:$PORT/v1/images/generations" -H 'Content-Type: application/json' \
      -d "{\"model\":\"local-image\",\"prompt\":\"check\",\"n\":$N,\"size\":\"${SIZE}x${SIZE}\"}" > "$work/check.json"
    got=$(grep -o '"b64_json"' "$work/check.json" | wc -l)
    grep -q "\"size\" *: *\"${SIZE}x${SIZE}\"" "$work/check.json" && [ "$got" = "$N" ] \
      || { echo "the check request did not get $N images of ${SIZE}x${SIZE}: $(head -c 300 "$work/check.json")" >&2; exit 1; }
  fi
  load "$WARMUP" > /dev/null
  read -r requests seconds p50 p99 bad <<< "$(load "$SECS")"
  rps=$(awk -v r="$requests" -v s="$seconds" 'BEGIN { printf "%.2f", r / s }')
  ips=$(awk -v r="$requests" -v s="$seconds" -v n="$N" 'BEGIN { printf "%.2f", r * n / s }')
  echo "workers=$workers requests=$requests in ${seconds}s req/s=$rps images/s=$ips p50=$p50 ms p99=$p99 ms errors=$bad" >&2
  rows+="| $workers | $((workers * SLOTS)) | $rps | $ips | $p50 | $p99 | $bad |"$'\n'
done
stop_all
out="$work/section.md"
{
  echo "## Images API fan-out"
  echo
  echo "\`bench/images-fanout.sh\` (N=$N images a request at ${SIZE}x${SIZE}, SLOTS=$SLOTS per worker, CONNS=$CONNS,"
  echo "SECS=$SECS after WARMUP=$WARMUP; one API node, worker JVMs added one by one; a new prompt per request) — $(machine)."
  echo "A request's images run as parallel jobs on free slots; images/s = requests/s × N."
  echo
  echo "| worker JVMs | slots | requests/s | images/s | p50 ms | p99 ms | errors |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s' "$rows"
} > "$out"
cat "$out"
if [ "$WRITE" = 1 ]; then
  write_section images-fanout "$out"
fi
