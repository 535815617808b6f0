#!/usr/bin/env bash
# `npm run test:containers`: builds the base images (deploy/smoke/base-images.sh) and one image
# per service of the registry (deploy/Dockerfile), starts docker-compose.yml with podman-compose,
# seeds the admin account, runs the contract's core flows through the containerized gateway
# (deploy/smoke/flows.ts) and tears everything down, volumes included. Not part of .ci/run: it
# takes minutes and root's podman. Prometheus, Grafana, the collector, Jaeger and Mailpit are
# not started: their official images cannot be pulled here and have no local stand-in.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
project=platform-smoke
envfile=.cache/containers/smoke.env
export PLATFORM_VERSION=smoke PLATFORM_REGISTRY=localhost GATEWAY_PUBLISH=127.0.0.1:${SMOKE_GATEWAY_PORT:-54000}
export SMOKE_POSTGRES_PORT=${SMOKE_POSTGRES_PORT:-55432}
say() { printf '[test:containers] %s\n' "$*"; }

bash deploy/smoke/base-images.sh
mkdir -p .cache/containers
rm -f "$envfile"
npm run -s deploy:secrets -- --file "$envfile"
# Bash-sourceable: the values are single-quoted.
set -a && . "$envfile" && set +a

if command -v docker-compose >/dev/null; then
  docker-compose --env-file "$envfile" -f docker-compose.yml config -q
  say 'docker-compose config -q: valid'
fi

# Every service of the registry, or those SMOKE_SERVICES names (the flows need identity auth authz audit gateway).
services=${SMOKE_SERVICES:-$(npx tsx -e "import('./deploy/src/plan.ts').then(({ deploymentPlan }) => console.log(deploymentPlan().services.map((s) => s.name).join(' ')))")}
build_started=$(date +%s)
# Every image from one snapshot of the work tree: consistent, and `npm ci` runs once for all.
context=.cache/containers/context
rm -rf "$context" && mkdir -p "$context"
git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -cf - -T - 2>/dev/null | tar -xf - -C "$context"
for service in $services; do
  # SMOKE_REUSE_IMAGES=1 keeps images a previous run built (a second try after a failure).
  if [ -n "${SMOKE_REUSE_IMAGES:-}" ] && podman image exists "localhost/platform/$service:smoke"; then continue; fi
  # Docker format: OCI images have no HEALTHCHECK.
  podman build -q --format docker -f "$context/deploy/Dockerfile" --build-arg SERVICE="$service" -t "localhost/platform/$service:smoke" "$context" >/dev/null
  say "built localhost/platform/$service:smoke"
done
build_seconds=$(($(date +%s) - build_started))

# podman-compose 1.0 has no --env-file: it interpolates from the environment, sourced above.
compose=(podman-compose -p "$project" -f docker-compose.yml -f deploy/smoke/compose.smoke.yml)
teardown() {
  status=$?
  if [ $status -ne 0 ]; then
    for service in $services; do podman logs --tail 20 "${project}_${service}_1" 2>&1 | sed "s/^/[$service] /" || true; done
  fi
  "${compose[@]}" down -v >/dev/null 2>&1 || true
  exit $status
}
trap teardown EXIT
"${compose[@]}" up -d --no-build postgres redis kafka $services >/dev/null

# /readyz when every subgraph runs; /healthz when SMOKE_SERVICES leaves some out (the gateway's
# readiness includes every subgraph of the supergraph).
probe=$([ -z "${SMOKE_SERVICES:-}" ] && echo readyz || echo healthz)
say "waiting for the gateway's /$probe on $GATEWAY_PUBLISH"
deadline=$(($(date +%s) + 300))
until curl -fsS "http://$GATEWAY_PUBLISH/$probe" >/dev/null 2>&1; do
  [ "$(date +%s)" -lt "$deadline" ] || { say 'the gateway did not become ready in 300 s'; exit 1; }
  sleep 3
done
say "gateway ready after $(($(date +%s) - started)) s"

export ADMIN_EMAIL=admin@example.com ADMIN_PASSWORD=smoke-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
IDENTITY_DATABASE_URL="postgres://platform_identity:${IDENTITY_DATABASE_PASSWORD}@127.0.0.1:$SMOKE_POSTGRES_PORT/platform_identity" \
  AUTHZ_DATABASE_URL="postgres://platform_authz:${AUTHZ_DATABASE_PASSWORD}@127.0.0.1:$SMOKE_POSTGRES_PORT/platform_authz" \
  POSTGRES_URL="postgres://postgres:${POSTGRES_PASSWORD}@127.0.0.1:$SMOKE_POSTGRES_PORT/postgres" \
  NODE_ENV=production npm run -s seed

GATEWAY_URL="http://$GATEWAY_PUBLISH/graphql" npx tsx deploy/smoke/flows.ts

say "image sizes:"
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'platform/.*:smoke' | sed 's/^/  /'
say "passed in $(($(date +%s) - started)) s (service images built in $build_seconds s)"
