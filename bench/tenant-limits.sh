#!/usr/bin/env bash
# Tenant limit checks: the same wrk load (CONNS connections, SECS seconds after WARMUP seconds) against
# genbus in one JVM (API + local worker, one Hazelcast member) with
#   (k) a plain key (tenant `default`, no limits: no limit check at all),
#   (w) a tenant with rpm and imagesPerDay (windows: units leased from the cluster, spent locally),
#   (f) the same plus maxConcurrentJobs (one entry processor on admission, one when the job ends).
# The limits are far above the load, so every request passes: what is measured is the cost of checking.
# Prints req/s and p50/p99, the p50 added over (k), and writes docs/benchmarks.md unless WRITE=0.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
CONNS=${CONNS:-64}
SECS=${SECS:-10}
WARMUP=${WARMUP:-60}
WRITE=${WRITE:-1}
ensure_wrk
build_cp
work=$(mktemp -d)
name="bench-$$"
printf '{"model":"local-image","messages":[{"role":"user","content":"a cat"}]}' > "$work/body.json"
config() { # TENANT-LINE
  cat <<YAML
api:
  host: 127.0.0.1
  port: 18087
  queue: {buffer: 0}
  tenants:
    - $1
worker:
  backends:
    - {type: local, models: [local-image], concurrency: 64, size: 64, delayMs: 0}
YAML
}
config "{name: bench, keys: [bench-key]}" > "$work/k.yaml"
config "{name: bench, keys: [bench-key], rpm: 1000000000, imagesPerDay: 1000000000}" > "$work/w.yaml"
config "{name: bench, keys: [bench-key], rpm: 1000000000, imagesPerDay: 1000000000, maxConcurrentJobs: 100000}" > "$work/f.yaml"
export AUTH=bench-key
run() { # SETUP
  start one "$work/$1.log" java "${JAVA_FLAGS[@]}" -Xmx1g -cp "$CP" io.genbus.api.bench.OneJvm "$work/$1.yaml" "$name-$1"
  wait_ready http://127.0.0.1:18087/health/ready
  echo "$(measure http://127.0.0.1:18087/v1/chat/completions "$work/body.json") $(wrk_post http://127.0.0.1:18087/v1/chat/completions 1 10 "$work/body.json")"
  stop_all
}
echo "(k) a key without limits ..." >&2
k=$(run k)
echo "(w) rpm + imagesPerDay ..." >&2
w=$(run w)
echo "(f) rpm + imagesPerDay + maxConcurrentJobs ..." >&2
f=$(run f)
read -r kr kp50 kp99 ke _ k1p50 k1p99 _ <<< "$k"; read -r wr wp50 wp99 we _ w1p50 w1p99 _ <<< "$w"
read -r fr fp50 fp99 fe _ f1p50 f1p99 _ <<< "$f"
added() { awk -v x="$1" -v y="$2" 'BEGIN{printf "%+.3f", x-y}'; }
out="$work/section.md"
{
  echo "## Tenant limit checks"
  echo
  echo "\`bench/tenant-limits.sh\` (CONNS=$CONNS, SECS=$SECS after WARMUP=$WARMUP s of the same load; genbus in one JVM; wrk on the same machine) — $(machine)."
  echo "Limits far above the load, so every request passes: the difference is the cost of checking them."
  echo
  echo "| tenant | req/s | p50 ms | p99 ms | non-2xx | p50 added over (k) | p50 ms at 1 conn | added at 1 conn |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  echo "| (k) key without limits | $kr | $kp50 | $kp99 | $ke | | $k1p50 | |"
  echo "| (w) rpm + imagesPerDay (leased windows) | $wr | $wp50 | $wp99 | $we | $(added "$wp50" "$kp50") ms | $w1p50 | $(added "$w1p50" "$k1p50") ms |"
  echo "| (f) (w) + maxConcurrentJobs (places leased too) | $fr | $fp50 | $fp99 | $fe | $(added "$fp50" "$kp50") ms | $f1p50 | $(added "$f1p50" "$k1p50") ms |"
} > "$out"
cat "$out"
[ "$WRITE" = 1 ] && write_section tenant-limits "$out"
true
