#!/usr/bin/env bash
# Two builds side by side: genbus's local path (l) and its path in front of a fast fake OpenAI-compatible
# upstream (u), as in upstream-path.sh, run from the jars of BASE (a commit, built in a temporary git worktree)
# and of the working tree, alternately, ROUNDS times each (this VM's runs vary by ±20 %: only pairs run next to
# each other compare). Each run: WARMUP seconds of load, then SECS seconds at CONNS connections.
# Prints one line a run (req/s, p50 and p99 ms); writes nothing else.
#   BASE=6d54d1a bash bench/compare-commits.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
BASE=${BASE:?set BASE to the commit to compare with}
CONNS=${CONNS:-64}
SECS=${SECS:-10}
WARMUP=${WARMUP:-30}
ROUNDS=${ROUNDS:-2}
ensure_wrk
build_cp
work=$(mktemp -d)
base_tree="$work/base"
git worktree add -f --detach "$base_tree" "$BASE" >/dev/null 2>&1
trap 'stop_all; git worktree remove --force "$base_tree" 2>/dev/null || true' EXIT
echo "building $BASE ..." >&2
(cd "$base_tree" && mvn -q -B -DskipTests package)

path_configs "$work"

run() { # PATH-LETTER TREE LABEL
  local name="compare-$$-$RANDOM"
  [ "$1" = u ] && start upstream "$work/upstream.log" java -Xmx1g -cp "$CP" io.genbus.api.bench.BareServer 18090
  start worker "$work/worker.log" java "${JAVA_FLAGS[@]}" -Xmx1g -jar "$2/worker-verticle/target/genbus-worker.jar" \
    --config "$work/$1.yaml" --cluster-name "$name"
  start api "$work/api.log" java "${JAVA_FLAGS[@]}" -Xmx1g -jar "$2/api-verticle/target/genbus-api.jar" \
    --config "$work/$1.yaml" --cluster-name "$name"
  wait_ready http://127.0.0.1:18082/health/ready
  echo "($1) $3: $(measure http://127.0.0.1:18082/v1/chat/completions "$work/body.json")"
  stop_all
}

echo "req/s p50-ms p99-ms non-2xx; CONNS=$CONNS, SECS=$SECS after WARMUP=$WARMUP s — $(machine)"
for round in $(seq 1 "$ROUNDS"); do
  for path in l u; do
    run "$path" "$base_tree" "$BASE"
    run "$path" "$PWD" "working tree"
  done
done
