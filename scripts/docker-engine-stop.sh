#!/usr/bin/env bash
# Stops the engine scripts/docker-engine.sh started and removes the network bridges it left behind.
# Keeps the data root and the cached root filesystem so the next start is fast.
set -uo pipefail

ROOT=${TSCHAINS_DOCKER_ROOT:-/tmp/tschains-docker}
PIDFILE=$ROOT/dockerd.pid

if [ -f "$PIDFILE" ]; then
  pid=$(cat "$PIDFILE")
  if kill "$pid" 2>/dev/null; then
    # dockerd stops its containers first; give it the time it needs, then insist.
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
fi
rm -f "$ROOT/docker.sock"

# docker0 and the per-network br-<id> bridges outlive the engine.
for link in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
  case "$link" in
    docker0 | br-*) ip link delete "$link" 2>/dev/null || true ;;
  esac
done
exit 0
