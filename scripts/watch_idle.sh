#!/usr/bin/env bash
# Idle CPU of `watch` mirroring an idle live session: `run` (no probes) and
# `watch` side by side in tmux; the CPU time `watch` used over SECS seconds,
# read from /proc/<pid>/task/*/schedstat (nanoseconds). Needs tmux.
#
#   scripts/watch_idle.sh                  # the release build, 30 s
#   BIN=/path/to/rollout-cockpit SECS=60 scripts/watch_idle.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-30}
if [ -z "${BIN:-}" ]; then
  cargo build --release -q
  BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/rollout-cockpit
fi
WORK=$(mktemp -d)
SOCK="watch-idle-$$"
cleanup() {
  tmux -L "$SOCK" kill-server 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%.0f\n", s}'; }
pane_pid() { tmux -L "$SOCK" display -p -t "$1" '#{pane_pid}'; }
wait_for() {
  local deadline=$((SECONDS + 30))
  until tmux -L "$SOCK" capture-pane -p -t "$1" | grep -qF -- "$2"; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "timeout waiting for '$2'" >&2; exit 1; }
    sleep 0.05
  done
}

tmux -L "$SOCK" new-session -d -s run -x 120 -y 40 \
  "exec '$BIN' run --no-health --new --session-dir '$WORK/s' --operator alice"
wait_for run "Checklist 0/"
tmux -L "$SOCK" new-session -d -s watch -x 120 -y 40 "exec '$BIN' watch '$WORK/s'"
wait_for watch "READ-ONLY MIRROR"
sleep 2
RUN_PID=$(pane_pid run)
WATCH_PID=$(pane_pid watch)
# Per thread: name and nanoseconds on CPU.
threads() { for t in /proc/"$1"/task/*; do echo "$(basename "$t") $(tr ' ' _ < "$t/comm") $(cut -d' ' -f1 "$t/schedstat")"; done; }
r0=$(cpu_ns "$RUN_PID"); w0=$(cpu_ns "$WATCH_PID"); threads "$WATCH_PID" > "$WORK/t0"
sleep "$SECS"
r1=$(cpu_ns "$RUN_PID"); w1=$(cpu_ns "$WATCH_PID"); threads "$WATCH_PID" > "$WORK/t1"
awk -v w=$((w1 - w0)) -v r=$((r1 - r0)) -v s="$SECS" 'BEGIN {
  printf "idle over %d s: watch %.3f%% of a core (%.1f ms CPU), run %.3f%% (%.1f ms)\n",
    s, 100 * w / 1e9 / s, w / 1e6, 100 * r / 1e9 / s, r / 1e6
}'
echo "watch, per thread (ms CPU):"
join "$WORK/t0" "$WORK/t1" | awk '{printf "  %-20s %.1f\n", $2, ($5 - $3) / 1e6}'
echo "watch threads: $(cat /proc/"$WATCH_PID"/task/*/comm | sort | uniq -c | tr -s ' ' | paste -sd, -)"
