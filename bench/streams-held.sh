#!/usr/bin/env bash
# Streams held: STREAMS concurrent streaming requests against one API node (-Xmx1g), queued behind a slow
# worker; reports heap used, keep-alive punctuality (worst lateness) and how many finished, and writes
# docs/benchmarks.md. A first round of WARMUP streams (not counted; as many as STREAMS unless set) lets the JIT compile the stream path,
# as on a node that has been up for a while: compiling takes most of a fresh node's CPU on a small machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
STREAMS=${STREAMS:-10000}
SLOTS=${SLOTS:-1000}
DELAY_MS=${DELAY_MS:-2000}
WARMUP=${WARMUP:-$STREAMS}
build_cp
work=$(mktemp -d)
name="bench-$$"
cat > "$work/genbus.yaml" <<YAML
api:
  host: 127.0.0.1
  port: 18083
  keepAliveSeconds: 1
worker:
  heartbeatSeconds: 2
  backends:
    - {type: local, models: [local-image], concurrency: $SLOTS, size: 16, delayMs: $DELAY_MS}
YAML
start worker "$work/worker.log" java "${JAVA_FLAGS[@]}" -Xmx1g -jar worker-verticle/target/genbus-worker.jar --config "$work/genbus.yaml" --cluster-name "$name"
start api "$work/api.log" env GENBUS_LOG_LEVEL=WARN java "${JAVA_FLAGS[@]}" -Xmx1g -jar api-verticle/target/genbus-api.jar --config "$work/genbus.yaml" --cluster-name "$name"
wait_ready http://127.0.0.1:18083/health/ready
echo "opening $STREAMS streams ..." >&2
result=$(java -Xmx1g -cp "$CP" io.genbus.api.bench.StreamsHeld 18083 "$STREAMS" 1 180 "$WARMUP")
stop_all
echo "$result" >&2
get() { echo "$result" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
out="$work/section.md"
{
  echo "## Streams held"
  echo
  echo "\`bench/streams-held.sh\` (STREAMS=$STREAMS after a round of WARMUP=$WARMUP, one worker JVM with SLOTS=$SLOTS slots of DELAY_MS=$DELAY_MS, keepAliveSeconds 1,"
  echo "API node with \`-Xmx1g\`) — $(machine). Most streams wait in the API node's queue, with a keep-alive"
  echo "comment every second, until a slot takes them."
  echo
  echo "| figure | value |"
  echo "| --- | ---: |"
  echo "| streams opened | $(get streams) |"
  echo "| finished with [DONE] | $(get finished) |"
  echo "| failed | $(get failed) |"
  echo "| seconds until all had their first chunk | $(get opened_s) |"
  echo "| seconds until all ended | $(get seconds) |"
  echo "| keep-alives received | $(get keepalives) |"
  echo "| keep-alive lateness, median (ms past its second) | $(get late_p50_ms) |"
  echo "| keep-alive lateness, p99 (ms) | $(get late_p99_ms) |"
  echo "| keep-alive lateness, worst (ms) | $(get worst_late_ms) |"
  echo "| keep-alives within 1 s of their time | $(get within_1s_pct) % |"
  echo "| API node peak heap used (MiB) | $(get peak_heap_mib) |"
} > "$out"
cat "$out"
write_section streams-held "$out"
