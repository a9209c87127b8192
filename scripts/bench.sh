#!/usr/bin/env bash
# Whole-program measurements in a real terminal (tmux), read from /proc and
# bash's own clock: startup to first frame, idle CPU with 1 Hz probes beside
# `watch -n1 curl`, RSS, 200 MB of command output against /dev/null, key to
# screen while that output flows, and a service degrading to the panel
# turning red. Needs tmux, curl, procps `watch` and python3 (for a local
# health server): all Debian packages. Everything runs on 127.0.0.1.
#
#   scripts/bench.sh              # RUNS=5 IDLE_SECS=60 LOG_SECS=60 by default
#   RUNS=3 IDLE_SECS=20 scripts/bench.sh
#   ONLY=logs scripts/bench.sh    # just the log stream (step 5)
#   ONLY=prometheus scripts/bench.sh  # just probes + Prometheus (step 6)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
IDLE_SECS=${IDLE_SECS:-60}
cargo build --release -q
BIN=$PWD/target/release/rollout-cockpit
WORK=$(mktemp -d)
SOCK="bench-$$"
HZ=$(getconf CLK_TCK)
PORT=$((20000 + $$ % 20000))
cleanup() {
  tmux -L "$SOCK" kill-server 2>/dev/null || true
  [ -n "${HTTP_PID:-}" ] && kill "$HTTP_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
screen() { tmux -L "$SOCK" capture-pane -p -t "$1"; }
# Waits until the pane shows $2; prints the milliseconds it took from $3.
wait_for() {
  local target=$1 text=$2 t0=$3 deadline=$(( $(now_ms) + ${4:-60000} ))
  until screen "$target" | grep -qF -- "$text"; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "timeout waiting for '$text'" >&2; screen "$target" >&2; return 1; }
    sleep 0.005
  done
  echo $(( $(now_ms) - t0 ))
}
cpu_ticks() { awk '{print $14+$15+$16+$17}' "/proc/$1/stat"; }
pane_pid() { tmux -L "$SOCK" display -p -t "$1" '#{pane_pid}'; }
# The process named $2 in a pane: the pane's own process when tmux ran the
# command directly, else a child of the pane's shell.
pid_in() {
  local p; p=$(pane_pid "$1")
  if [ "$(cat "/proc/$p/comm")" = "$2" ]; then echo "$p"; else pgrep -P "$p" -x "$2" | head -1 || true; fi
}
cockpit_pid() { pid_in "$1" rollout-cockpit; }

# Idle CPU of the cockpit in window $1 over IDLE_SECS, beside a
# `watch -n1 curl` of the health URL started for the same span; $2 says
# what the cockpit polls.
idle_cpu() {
  tmux -L "$SOCK" new-window -t idle -n watch "watch -n1 curl -s -o /dev/null '$URL'"
  sleep 2
  local cpid wpid c0 w0 c1 w1
  cpid=$(cockpit_pid "$1")
  wpid=$(pid_in idle:watch watch)
  c0=$(cpu_ticks "$cpid"); w0=$(cpu_ticks "$wpid")
  sleep "$IDLE_SECS"
  c1=$(cpu_ticks "$cpid"); w1=$(cpu_ticks "$wpid")
  awk -v c=$((c1 - c0)) -v w=$((w1 - w0)) -v hz="$HZ" -v s="$IDLE_SECS" -v what="$2" 'BEGIN {
    printf "idle CPU over %d s with %s: cockpit %.3f%% of a core; watch -n1 curl %.3f%% (ratio %.2f)\n",
      s, what, c / hz / s * 100, w / hz / s * 100, (w > 0 ? c / w : 0) }'
  echo "idle RSS: $(awk '/VmRSS/{print $2/1024 " MB"}' "/proc/$cpid/status"), peak $(awk '/VmHWM/{print $2/1024 " MB"}' "/proc/$cpid/status")"
  tmux -L "$SOCK" kill-window -t idle:watch
}

# A local health endpoint: a static file that the degrade step rewrites.
mkdir -p "$WORK/www"
echo '{"status":"healthy"}' > "$WORK/www/health"
(cd "$WORK/www" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
HTTP_PID=$!
until curl -fs "http://127.0.0.1:$PORT/health" >/dev/null; do sleep 0.05; done
URL="http://127.0.0.1:$PORT/health"

cat > "$WORK/bench.md" <<'MD'
# Bench

## Steps

- [ ] Flood
  ```bash
  { yes 'a line of output from a migration that is busy doing something useful' || true; } | head -c 200000000
  ```
MD

tmux -L "$SOCK" new-session -d -s idle -x 120 -y 40 "sleep 100000"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%FT%TZ)"

if [ "${ONLY:-all}" = all ]; then
# 1. Startup to first frame.
for i in $(seq "$RUNS"); do
  t0=$(now_ms)
  tmux -L "$SOCK" new-window -t idle -n "s$i" "'$BIN' run --no-health --new --session-dir '$WORK/s' '$WORK/bench.md'"
  wait_for "idle:s$i" "Checklist 0/1" "$t0"
  tmux -L "$SOCK" kill-window -t "idle:s$i"
done | median | xargs printf 'startup to first frame: median %s ms\n'

# 2. Idle CPU with 1 Hz probes, and `watch -n1 curl` beside it.
tmux -L "$SOCK" new-window -t idle -n cockpit "'$BIN' run --new --session-dir '$WORK/s' --health '$URL' '$WORK/bench.md'"
wait_for idle:cockpit "Checklist 0/1" "$(now_ms)" >/dev/null
idle_cpu idle:cockpit "1 Hz probes"

# 3. Service degrading to the panel turning red (--for 10s, 60 s window),
# against the baseline the operator pins with `b`.
tmux -L "$SOCK" send-keys -t idle:cockpit b
wait_for idle:cockpit "base err" "$(now_ms)" >/dev/null
t0=$(now_ms)
echo '{"status":"unhealthy"}' > "$WORK/www/health"
red=$(wait_for idle:cockpit "ROLLBACK CRITERIA MET" "$t0" 120000)
echo "degrade to red panel: $red ms (1 s probes, 60 s window, hold --for 10s)"
echo '{"status":"healthy"}' > "$WORK/www/health"
tmux -L "$SOCK" kill-window -t idle:cockpit

# 4. 200 MB of output: the command alone to /dev/null, then in the cockpit.
# (`yes` ends on SIGPIPE by design; the group keeps pipefail from calling
# that a failure.)
FLOOD="{ yes 'a line of output from a migration that is busy doing something useful' || true; } | head -c 200000000"
for i in $(seq "$RUNS"); do
  t0=$(now_ms)
  bash -e -o pipefail -c "$FLOOD" >/dev/null
  echo $(( $(now_ms) - t0 ))
done | median | xargs printf '200 MB to /dev/null: median %s ms\n'
for i in $(seq "$RUNS"); do
  t0=$(now_ms)
  bash -e -o pipefail -c "$FLOOD" > "$WORK/out.txt"
  echo $(( $(now_ms) - t0 ))
done | median | xargs printf '200 MB to a file: median %s ms\n'

for i in $(seq "$RUNS"); do
  tmux -L "$SOCK" new-window -t idle -n "f$i" "cd '$WORK' && '$BIN' run --no-health --new --session-dir '$WORK/s' '$WORK/bench.md'"
  wait_for "idle:f$i" "Checklist 0/1" "$(now_ms)" >/dev/null
  tmux -L "$SOCK" send-keys -t "idle:f$i" j
  sleep 0.2
  tmux -L "$SOCK" send-keys -t "idle:f$i" Enter
  wait_for "idle:f$i" "Run this?" "$(now_ms)" >/dev/null
  PID=$(cockpit_pid "idle:f$i")
  t0=$(now_ms)
  tmux -L "$SOCK" send-keys -t "idle:f$i" y
  # Key to screen while the output flows: open and close the help.
  lat=()
  for k in 1 2 3; do
    sleep 0.05
    k0=$(now_ms)
    tmux -L "$SOCK" send-keys -t "idle:f$i" '?'
    lat+=("$(wait_for "idle:f$i" " Keys " "$k0" 10000)")
    tmux -L "$SOCK" send-keys -t "idle:f$i" Escape
  done
  done_ms=$(wait_for "idle:f$i" "exit 0" "$t0" 120000)
  hwm=$(awk '/VmHWM/{print int($2/1024)}' "/proc/$PID/status")
  echo "$done_ms ${lat[*]} $hwm"
  tmux -L "$SOCK" kill-window -t "idle:f$i"
done > "$WORK/flood.txt"
awk '{print $1}' "$WORK/flood.txt" | median | xargs printf '200 MB through the cockpit (key press to "exit 0" on screen): median %s ms\n'
awk '{print $2; print $3; print $4}' "$WORK/flood.txt" | median | xargs printf 'key to screen while it flows: median %s ms'
awk '{print $2; print $3; print $4}' "$WORK/flood.txt" | sort -n | tail -1 | xargs printf ', worst %s ms\n'
awk '{print $5}' "$WORK/flood.txt" | sort -n | tail -1 | xargs printf 'peak RSS during the flood: %s MB\n'
fi

if [ "${ONLY:-all}" != prometheus ]; then
# 5. A log stream of 10,000 lines a second for LOG_SECS (1 in 100 an error,
# access-log lines with quotes): key to screen while it flows, CPU, peak
# RSS, and whether every line and error reached the journaled counts.
LOG_SECS=${LOG_SECS:-60}
cat > "$WORK/gen.py" <<'PY'
import sys, time
secs, rate = int(sys.argv[1]), 10000
out, t0 = sys.stdout, time.monotonic()
for s in range(secs):
    for i in range(rate):
        n = s * rate + i
        if n % 100:
            out.write(f'10.0.0.{n % 250} - - "GET /api/orders/{n} HTTP/1.1" 200 512 "-" "bench"\n')
        else:
            out.write(f'2026-11-24T23:00:00Z ERROR order {n} failed: gateway timeout\n')
    out.flush()
    wait = t0 + s + 1 - time.monotonic()
    if wait > 0:
        time.sleep(wait)
time.sleep(3600)  # a log command follows forever
PY
tmux -L "$SOCK" new-window -t idle -n logs "cd '$WORK' && '$BIN' run --no-health --new --session-dir '$WORK/ls' --logs 'python3 $WORK/gen.py $LOG_SECS' '$WORK/bench.md'"
wait_for "idle:logs" "App log" "$(now_ms)" >/dev/null
PID=$(cockpit_pid "idle:logs")
c0=$(cpu_ticks "$PID"); t0=$(now_ms)
lat=()
while [ $(( $(now_ms) - t0 )) -lt $(( LOG_SECS * 1000 )) ]; do
  sleep 0.5
  k0=$(now_ms)
  tmux -L "$SOCK" send-keys -t "idle:logs" '?'
  lat+=("$(wait_for "idle:logs" " Keys " "$k0" 10000)")
  tmux -L "$SOCK" send-keys -t "idle:logs" Escape
done
sleep 3
c1=$(cpu_ticks "$PID"); t1=$(now_ms)
hwm=$(awk '/VmHWM/{print int($2/1024)}' "/proc/$PID/status")
tmux -L "$SOCK" send-keys -t "idle:logs" q
wait_for "idle:logs" "Quit the cockpit?" "$(now_ms)" >/dev/null
tmux -L "$SOCK" send-keys -t "idle:logs" y
sleep 1
printf '%s\n' "${lat[@]}" | median | xargs printf 'log stream, 10,000 lines/s for %s s: key to screen median %s ms' "$LOG_SECS"
printf '%s\n' "${lat[@]}" | sort -n | tail -1 | xargs printf ', worst %s ms'
printf ' (%s presses)\n' "${#lat[@]}"
echo "log stream: cockpit CPU $(( (c1 - c0) * 1000 / HZ * 100 / (t1 - t0) ))% of one core, peak RSS $hwm MB"
python3 - "$WORK/ls" "$LOG_SECS" <<'PY'
import json, pathlib, sys
root, secs = pathlib.Path(sys.argv[1]), int(sys.argv[2])
lines = errors = 0
for j in root.glob("*/journal.jsonl"):
    for row in j.read_text().splitlines():
        r = json.loads(row)
        if r.get("type") == "log_counts":
            for c in r["counts"]:
                lines += c["lines"]; errors += c["errors"]
print(f"log stream: counted {lines} lines, {errors} errors of {secs * 10000} and {secs * 100} written")
PY
fi

# 6. Idle CPU with 1 Hz probes and 1 Hz Prometheus queries (a real
# Prometheus on 127.0.0.1 scraping itself; the queries read its own HTTP
# metrics, so every round has data), beside `watch -n1 curl`.
if [ "${ONLY:-all}" = all ] || [ "${ONLY:-all}" = prometheus ]; then
  if ! command -v prometheus >/dev/null; then
    echo "prometheus: not installed (Debian: apt-get install prometheus): step 6 skipped"
  else
    PPORT=$((PORT + 1))
    cat > "$WORK/prom.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ['127.0.0.1:$PPORT']
YML
    prometheus --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/prom-data" \
      --web.listen-address="127.0.0.1:$PPORT" >/dev/null 2>&1 &
    PROM_PID=$!
    trap 'kill "$PROM_PID" 2>/dev/null || true; cleanup' EXIT
    until curl -fs "http://127.0.0.1:$PPORT/-/ready" >/dev/null; do sleep 0.1; done
    cat > "$WORK/prom.toml" <<'TOML'
[prometheus.queries]
error_rate = 'sum(rate(prometheus_http_requests_total{code=~"5.."}[1m])) / sum(rate(prometheus_http_requests_total[1m]))'
latency = 'histogram_quantile($quantile, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[1m])))'
throughput = 'sum(rate(prometheus_http_requests_total[1m]))'
TOML
    tmux -L "$SOCK" new-window -t idle -n prom "'$BIN' run --new --session-dir '$WORK/s' --health '$URL' --prometheus http://127.0.0.1:$PPORT --config '$WORK/prom.toml' '$WORK/bench.md'"
    wait_for idle:prom "prom err" "$(now_ms)" 30000 >/dev/null
    idle_cpu idle:prom "1 Hz probes + 1 Hz Prometheus"
    tmux -L "$SOCK" kill-window -t idle:prom
  fi
fi
