#!/usr/bin/env bash
# Upstream path: what genbus costs in front of a real (HTTP) backend, beside its own local path. The same wrk
# load (CONNS connections, SECS seconds after WARMUP seconds) against
#   (l) genbus, API + worker JVMs, the local backend (size 64, delayMs 0): the local path;
#   (u) genbus, API + worker JVMs, an openai-chat backend (concurrency CONNS) in front of a fast fake
#       OpenAI-compatible upstream in a third JVM (BareServer: it answers every call at once with a chat
#       completion carrying the same 64 × 64 PNG as a data URL);
#   (d) the fake upstream called directly, at 1 connection: what genbus adds at the median is (u) − (d).
# Prints req/s and p50/p99, (u)/(l), the added p50 at 1 connection, and writes docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
CONNS=${CONNS:-64}
SECS=${SECS:-10}
WARMUP=${WARMUP:-60}
ensure_wrk
build_cp
work=$(mktemp -d)
name="bench-$$"
path_configs "$work"

genbus() { # CONFIG CLUSTER
  start worker "$work/worker-$2.log" java "${JAVA_FLAGS[@]}" -Xmx1g -jar worker-verticle/target/genbus-worker.jar --config "$1" --cluster-name "$2"
  start api "$work/api-$2.log" java "${JAVA_FLAGS[@]}" -Xmx1g -jar api-verticle/target/genbus-api.jar --config "$1" --cluster-name "$2"
  wait_ready http://127.0.0.1:18082/health/ready
}

echo "(l) genbus, local backend ..." >&2
genbus "$work/l.yaml" "$name-l"
l=$(measure http://127.0.0.1:18082/v1/chat/completions "$work/body.json")
l1=$(wrk_post http://127.0.0.1:18082/v1/chat/completions 1 5 "$work/body.json")
stop_all

echo "(u) genbus in front of a fake OpenAI-compatible upstream ..." >&2
start upstream "$work/upstream.log" java -Xmx1g -cp "$CP" io.genbus.api.bench.BareServer 18090
genbus "$work/u.yaml" "$name-u"
u=$(measure http://127.0.0.1:18082/v1/chat/completions "$work/body.json")
u1=$(wrk_post http://127.0.0.1:18082/v1/chat/completions 1 5 "$work/body.json")
echo "(d) the fake upstream directly ..." >&2
wrk_post http://127.0.0.1:18090/v1/chat/completions 1 5 "$work/body.json" > /dev/null
d1=$(wrk_post http://127.0.0.1:18090/v1/chat/completions 1 5 "$work/body.json")
stop_all

read -r lr lp50 lp99 le <<< "$l"; read -r ur up50 up99 ue <<< "$u"
read -r _ l1p50 l1p99 _ <<< "$l1"; read -r _ u1p50 u1p99 _ <<< "$u1"; read -r _ d1p50 d1p99 _ <<< "$d1"
pct() { awk -v x="$1" -v y="$2" 'BEGIN{printf "%.0f %%", 100*x/y}'; }
out="$work/section.md"
{
  echo "## Upstream path"
  echo
  echo "\`bench/upstream-path.sh\` (CONNS=$CONNS, SECS=$SECS after WARMUP=$WARMUP s of the same load; wrk on the same machine) — $(machine)."
  echo "(l) is genbus's local path; in (u) the worker's \`openai-chat\` backend calls a fake upstream in a third JVM"
  echo "that answers at once with the same 64 × 64 PNG as a data URL; (d) is that upstream called directly."
  echo
  echo "| setup | req/s | p50 ms | p99 ms | p50 ms at 1 conn | p99 ms at 1 conn | non-2xx |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  echo "| (l) genbus, local backend | $lr | $lp50 | $lp99 | $l1p50 | $l1p99 | $le |"
  echo "| (u) genbus → fake upstream | $ur | $up50 | $up99 | $u1p50 | $u1p99 | $ue |"
  echo "| (d) fake upstream directly | | | | $d1p50 | $d1p99 | |"
  echo
  echo "(u) reaches $(pct "$ur" "$lr") of (l)'s req/s; genbus adds $(awk -v x="$u1p50" -v y="$d1p50" 'BEGIN{printf "%.2f", x-y}') ms at the median"
  echo "over calling the upstream directly (1 connection)."
} > "$out"
cat "$out"
write_section upstream-path "$out"
