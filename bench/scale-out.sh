#!/usr/bin/env bash
# Scale-out: throughput of one model with 1, 2 and 4 worker JVMs (SLOTS slots each, delayMs DELAY_MS) behind
# one API node, under a wrk load with more connections than slots; compared with the ideal
# (workers x SLOTS / delay). Writes docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
SLOTS=${SLOTS:-4}
DELAY_MS=${DELAY_MS:-200}
SECS=${SECS:-10}
CONNS=${CONNS:-64}
ensure_wrk
build_cp
work=$(mktemp -d)
name="bench-$$"
printf '{"model":"local-image","messages":[{"role":"user","content":"a cat"}]}' > "$work/body.json"
cat > "$work/genbus.yaml" <<YAML
api:
  host: 127.0.0.1
  port: 18084
  queue: {buffer: 0}
worker:
  backends:
    - {type: local, models: [local-image], concurrency: $SLOTS, size: 64, delayMs: $DELAY_MS}
YAML
start api "$work/api.log" env GENBUS_LOG_LEVEL=WARN java "${JAVA_FLAGS[@]}" -Xmx1g -jar api-verticle/target/genbus-api.jar --config "$work/genbus.yaml" --cluster-name "$name"
rows=""
running=0
for workers in 1 2 4; do
  while [ "$running" -lt "$workers" ]; do
    start worker "$work/worker-$running.log" java "${JAVA_FLAGS[@]}" -Xmx256m -jar worker-verticle/target/genbus-worker.jar --config "$work/genbus.yaml" --cluster-name "$name"
    running=$((running + 1))
  done
  for _ in $(seq 1 120); do
    slots=$(curl -s http://127.0.0.1:18084/v1/status | grep -o '"slots" : [0-9]*' | head -1 | grep -o '[0-9]*$' || true)
    [ "${slots:-0}" -ge $((workers * SLOTS)) ] && break
    sleep 0.5
  done
  wrk_post http://127.0.0.1:18084/v1/chat/completions "$CONNS" 3 "$work/body.json" > /dev/null  # warm-up
  read -r rps p50 p99 bad <<< "$(wrk_post http://127.0.0.1:18084/v1/chat/completions "$CONNS" "$SECS" "$work/body.json")"
  ideal=$(awk -v w="$workers" -v s="$SLOTS" -v d="$DELAY_MS" 'BEGIN { printf "%.1f", w * s * 1000 / d }')
  pct=$(awk -v r="$rps" -v i="$ideal" 'BEGIN { printf "%.0f", 100 * r / i }')
  echo "workers=$workers req/s=$rps ideal=$ideal ($pct %) p50=$p50 ms p99=$p99 ms non-2xx=$bad" >&2
  rows+="| $workers | $((workers * SLOTS)) | $rps | $ideal | $pct % | $p50 | $p99 | $bad |"$'\n'
done
stop_all
out="$work/section.md"
{
  echo "## Scale-out"
  echo
  echo "\`bench/scale-out.sh\` (SLOTS=$SLOTS per worker, DELAY_MS=$DELAY_MS, CONNS=$CONNS, SECS=$SECS; one API node, worker JVMs"
  echo "added one by one to the same cluster) — $(machine). Ideal = slots / delay."
  echo
  echo "| worker JVMs | slots | req/s | ideal req/s | of ideal | p50 ms | p99 ms | non-2xx |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s' "$rows"
} > "$out"
cat "$out"
write_section scale-out "$out"
