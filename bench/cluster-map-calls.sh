#!/usr/bin/env bash
# Cluster map calls: a put then a get on a one-member cluster, N pairs a round (default 20,000), run twice:
# with the common fork-join pool at one thread (what a 2-core machine gave genbus before CommonPool) and as a
# genbus node sizes it. Prints µs a pair and writes docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${N:-20000}
build_cp
run() { java "${JAVA_FLAGS[@]}" "$@" -cp "$CP" io.genbus.api.bench.MapCalls "$N" | tail -1 | sed 's/.*: \([0-9.]*\) µs.*, \([0-9]*\) threads started/\1 \2/'; }
read -r one one_threads <<< "$(run -Djava.util.concurrent.ForkJoinPool.common.parallelism=1)"
read -r two two_threads <<< "$(run)"
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
} > "$out"
cat "$out"
write_section cluster-map-calls "$out"
rm -f "$out"
