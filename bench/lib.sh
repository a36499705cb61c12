# Shared by the bench/ scripts: build, class path, waiting for nodes, wrk, and writing docs/benchmarks.md.
# Every load targets 127.0.0.1 only and stops by itself.

# The JVM flags every genbus JVM gets, from their one place (a Java argument file).
JAVA_FLAGS=("@$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/deploy/jvm.flags")
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

build_cp() {
  echo "building ..." >&2
  mvn -q -B -DskipTests install
  local cp_file
  cp_file=$(mktemp)
  mvn -q -B -pl api-verticle dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
  CP="api-verticle/target/test-classes:api-verticle/target/classes:$(cat "$cp_file")"
  rm -f "$cp_file"
}

ensure_wrk() {
  command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; } >/dev/null
}

# start NAME LOGFILE CMD... : runs a node in the background, remembered for the exit trap
start() {
  local log=$2
  shift 2
  "$@" > "$log" 2>&1 &
  PIDS+=($!)
}

stop_all() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}

wait_ready() { # URL [seconds]
  for _ in $(seq 1 $((${2:-90} * 2))); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    sleep 0.5
  done
  echo "not ready: $1" >&2
  return 1
}

# wrk_post URL CONNECTIONS SECONDS BODY_FILE -> prints "req_per_s p50_ms p99_ms"
wrk_post() {
  local lua
  lua=$(mktemp --suffix .lua)
  cat > "$lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$4", "r"); wrk.body = f:read("*a"); f:close()
LUA
  # AUTH (a bearer key) for a node with keys
  [ -n "${AUTH:-}" ] && echo "wrk.headers[\"Authorization\"] = \"Bearer $AUTH\"" >> "$lua"
  local threads=2
  [ "$2" -lt 2 ] && threads=1
  # --timeout: wrk would otherwise drop a request after 2 s and reconnect, cancelling a job that waits in line
  wrk -t"$threads" -c"$2" -d"$3"s --timeout 60s --latency -s "$lua" "$1" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.3f %.3f %s\n", rps, p50, p99, (bad == "" ? 0 : bad) }'
  rm -f "$lua"
}

# measure URL BODY_FILE -> wrk_post's result line for CONNS connections and SECS seconds, after WARMUP seconds
# of the same load (the JIT needs most of a minute to compile genbus's job path on 2 cores)
measure() {
  wrk_post "$1" "$CONNS" "$WARMUP" "$2" > /dev/null
  wrk_post "$1" "$CONNS" "$SECS" "$2"
}

# write_section NAME FILE : puts FILE's text between <!-- NAME:start --> and <!-- NAME:end --> in docs/benchmarks.md
write_section() {
  local doc=docs/benchmarks.md
  grep -q "<!-- $1:start -->" "$doc" || printf '\n<!-- %s:start -->\n<!-- %s:end -->\n' "$1" "$1" >> "$doc"
  awk -v name="$1" -v file="$2" '
    $0 == "<!-- " name ":start -->" { print; while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == "<!-- " name ":end -->" { skip = 0 }
    !skip { print }' "$doc" > "$doc.tmp" && mv "$doc.tmp" "$doc"
}

# path_configs DIR : writes DIR/l.yaml (genbus's local path: the local backend, size 64, no delay) and DIR/u.yaml
# (an openai-chat backend in front of a fake upstream on 127.0.0.1:18090), both with the API on 18082 and CONNS
# slots, and DIR/body.json, the request both are sent (upstream-path.sh, compare-commits.sh)
path_configs() {
  local backend
  printf '{"model":"bench-model","messages":[{"role":"user","content":"a cat"}]}' > "$1/body.json"
  for backend in "l:{type: local, models: [bench-model], concurrency: $CONNS, size: 64, delayMs: 0}" \
      "u:{type: openai-chat, models: [bench-model], baseUrl: 'http://127.0.0.1:18090', apiKeys: [bench-key], concurrency: $CONNS}"; do
    printf 'api:\n  host: 127.0.0.1\n  port: 18082\n  queue: {buffer: 0}\nworker:\n  backends:\n    - %s\n' \
      "${backend#?:}" > "$1/${backend%%:*}.yaml"
  done
}

machine() {
  echo "$(nproc) cores, $(java -version 2>&1 | head -1), $(date -u +%Y-%m-%d)"
}
