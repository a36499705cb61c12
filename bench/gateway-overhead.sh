#!/usr/bin/env bash
# Gateway overhead: the same wrk load (CONNS connections, SECS seconds, after WARMUP seconds of the same
# load: the JIT needs most of a minute to compile genbus's job path on 2 cores) against
#   (a) a bare Vert.x HTTP server answering the same JSON (the machine's limit),
#   (b) genbus in one JVM (API + local worker, size 64, delayMs 0),
#   (c) genbus with API and worker in two JVMs,
# and a second baseline, (r) the bare server relaying each request over the clustered event bus to a second
# JVM that answers it (one request/reply, nothing else): the floor of any design with the work in another JVM.
# Prints req/s and p50/p99 latency, the ratios to (a), (c)/(r), and writes docs/benchmarks.md.
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
printf '{"model":"local-image","messages":[{"role":"user","content":"a cat"}]}' > "$work/body.json"
cat > "$work/genbus.yaml" <<YAML
api:
  host: 127.0.0.1
  port: 18081
  queue: {buffer: 0}
worker:
  backends:
    - {type: local, models: [local-image], concurrency: 64, size: 64, delayMs: 0}
YAML
sed 's/port: 18081/port: 18082/' "$work/genbus.yaml" > "$work/split.yaml"

echo "(a) bare Vert.x server ..." >&2
start bare "$work/bare.log" java -Xmx1g -cp "$CP" io.genbus.api.bench.BareServer 18080
sleep 3
a=$(measure http://127.0.0.1:18080/v1/chat/completions "$work/body.json")
a1=$(wrk_post http://127.0.0.1:18080/v1/chat/completions 1 5 "$work/body.json")
stop_all

echo "(r) bare Vert.x relay over the clustered event bus ..." >&2
start echo "$work/echo.log" java "${JAVA_FLAGS[@]}" -Xmx1g -cp "$CP" io.genbus.api.bench.BareRelay echo "$name-r"
start relay "$work/relay.log" java "${JAVA_FLAGS[@]}" -Xmx1g -cp "$CP" io.genbus.api.bench.BareRelay http 18084 "$name-r"
wait_ready http://127.0.0.1:18084/
r=$(measure http://127.0.0.1:18084/v1/chat/completions "$work/body.json")
r1=$(wrk_post http://127.0.0.1:18084/v1/chat/completions 1 5 "$work/body.json")
stop_all

echo "(b) genbus, one JVM ..." >&2
start one "$work/one.log" java "${JAVA_FLAGS[@]}" -Xmx1g -cp "$CP" io.genbus.api.bench.OneJvm "$work/genbus.yaml" "$name-b"
wait_ready http://127.0.0.1:18081/health/ready
b=$(measure http://127.0.0.1:18081/v1/chat/completions "$work/body.json")
b1=$(wrk_post http://127.0.0.1:18081/v1/chat/completions 1 5 "$work/body.json")
stop_all

echo "(c) genbus, API and worker in two JVMs ..." >&2
start worker "$work/worker.log" java "${JAVA_FLAGS[@]}" -Xmx1g -jar worker-verticle/target/genbus-worker.jar --config "$work/split.yaml" --cluster-name "$name-c"
start api "$work/api.log" java "${JAVA_FLAGS[@]}" -Xmx1g -jar api-verticle/target/genbus-api.jar --config "$work/split.yaml" --cluster-name "$name-c"
wait_ready http://127.0.0.1:18082/health/ready
c=$(measure http://127.0.0.1:18082/v1/chat/completions "$work/body.json")
c1=$(wrk_post http://127.0.0.1:18082/v1/chat/completions 1 5 "$work/body.json")
stop_all

read -r ar ap50 ap99 ae <<< "$a"; read -r rr rp50 rp99 re <<< "$r"; read -r _ r1p50 r1p99 _ <<< "$r1"
read -r br bp50 bp99 be <<< "$b"; read -r cr cp50 cp99 ce <<< "$c"
read -r _ a1p50 a1p99 _ <<< "$a1"; read -r _ b1p50 b1p99 _ <<< "$b1"; read -r _ c1p50 c1p99 _ <<< "$c1"
pct() { awk -v x="$1" -v y="$2" 'BEGIN{printf "%.0f %%", 100*x/y}'; }
out="$work/section.md"
{
  echo "## Gateway overhead"
  echo
  echo "\`bench/gateway-overhead.sh\` (CONNS=$CONNS, SECS=$SECS after WARMUP=$WARMUP s of the same load; wrk on the same machine) — $(machine)."
  echo "Every request is a real chat completion: genbus queues it, sends it over the event bus, renders a"
  echo "64 × 64 PNG on a worker thread and answers with it; the bare server answers the same JSON at once, and the"
  echo "bare relay gets it from a second JVM with one event-bus request/reply."
  echo
  echo "| setup | req/s | p50 ms | p99 ms | p50 ms at 1 conn | p99 ms at 1 conn | non-2xx | vs (a) | vs (r) |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  echo "| (a) bare Vert.x server | $ar | $ap50 | $ap99 | $a1p50 | $a1p99 | $ae | 100 % | |"
  echo "| (r) bare relay: HTTP + one event-bus request/reply to a 2nd JVM | $rr | $rp50 | $rp99 | $r1p50 | $r1p99 | $re | $(pct "$rr" "$ar") | 100 % |"
  echo "| (b) genbus, one JVM | $br | $bp50 | $bp99 | $b1p50 | $b1p99 | $be | $(pct "$br" "$ar") | |"
  echo "| (c) genbus, API + worker JVMs | $cr | $cp50 | $cp99 | $c1p50 | $c1p99 | $ce | $(pct "$cr" "$ar") | $(pct "$cr" "$rr") |"
  echo
  echo "Added p99 latency of (c) over (a): $(awk -v x="$cp99" -v y="$ap99" 'BEGIN{printf "%.2f", x-y}') ms at $CONNS connections"
  echo "($(awk -v x="$rp99" -v y="$ap99" 'BEGIN{printf "%.2f", x-y}') ms for the bare relay),"
  echo "$(awk -v x="$c1p99" -v y="$a1p99" 'BEGIN{printf "%.2f", x-y}') ms at 1 connection."
} > "$out"
cat "$out"
write_section gateway-overhead "$out"
