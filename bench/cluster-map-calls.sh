#!/usr/bin/env bash
# Cluster map calls: a put then a get on a one-member cluster, N pairs a round (default 20,000), run twice:
# with the common fork-join pool at one thread (what a 2-core machine gave genbus before CommonPool) and as a
# genbus node sizes it. Then the same two pool sizes on a real path where every answer is a map call: API and
# worker JVMs, the Images API with response_format url (each image goes to the cluster's image store), wrk at
# CONNS connections for SECS seconds after WARMUP. Prints the figures and writes docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${N:-20000}
CONNS=${CONNS:-16}
SECS=${SECS:-10}
WARMUP=${WARMUP:-30}
ensure_wrk
build_cp
run() { java "${JAVA_FLAGS[@]}" "$@" -cp "$CP" io.genbus.api.bench.MapCalls "$N" | grep '^round 3:' | sed 's/.*: \([0-9.]*\) µs.*, \([0-9]*\) threads started/\1 \2/'; }
read -r one one_threads <<< "$(run -Djava.util.concurrent.ForkJoinPool.common.parallelism=1)"
read -r two two_threads <<< "$(run)"

work=$(mktemp -d)
printf '{"model":"local-image","prompt":"a cat","size":"64x64","response_format":"url"}' > "$work/body.json"
printf 'api:\n  host: 127.0.0.1\n  port: 18083\nworker:\n  backends:\n    - {type: local, models: [local-image], concurrency: %s}\n' \
  "$CONNS" > "$work/genbus.yaml"
images() { # POOL-FLAGS... -> wrk's line for the Images API with url answers
  start worker "$work/worker.log" java "${JAVA_FLAGS[@]}" "$@" -Xmx1g -jar worker-verticle/target/genbus-worker.jar --config "$work/genbus.yaml" --cluster-name "bench-map-$$-$#"
  start api "$work/api.log" java "${JAVA_FLAGS[@]}" "$@" -Xmx1g -jar api-verticle/target/genbus-api.jar --config "$work/genbus.yaml" --cluster-name "bench-map-$$-$#"
  wait_ready http://127.0.0.1:18083/health/ready
  measure http://127.0.0.1:18083/v1/images/generations "$work/body.json"
  stop_all
}
read -r i1 i1p50 i1p99 i1bad <<< "$(images -Djava.util.concurrent.ForkJoinPool.common.parallelism=1)"
read -r i2 i2p50 i2p99 i2bad <<< "$(images)"
out=$(mktemp)
{
  echo "## Cluster map calls"
  echo
  echo "\`bench/cluster-map-calls.sh\` (N=$N put + get pairs a round, the third of three rounds; one member on 127.0.0.1) — $(machine)."
  echo "Hazelcast completes an asynchronous map call on the common fork-join pool when it has two threads or more,"
  echo "otherwise on a new thread each time; the pool gets one thread less than the cores (\`CommonPool\`)."
  echo
  echo "| common pool | µs a put + get | threads started in the round |"
  echo "| --- | ---: | ---: |"
  echo "| 1 thread (a 2-core machine, before) | $one | $one_threads |"
  echo "| as a genbus node sizes it (2 here) | $two | $two_threads |"
  echo
  echo "The Images API with \`response_format: url\` (64 × 64, API and worker JVMs, CONNS=$CONNS, SECS=$SECS after WARMUP=$WARMUP s):"
  echo
  echo "| common pool | req/s | p50 ms | p99 ms | non-2xx |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  echo "| 1 thread (before) | $i1 | $i1p50 | $i1p99 | $i1bad |"
  echo "| as a genbus node sizes it | $i2 | $i2p50 | $i2p99 | $i2bad |"
} > "$out"
cat "$out"
write_section cluster-map-calls "$out"
rm -rf "$out" "$work"
