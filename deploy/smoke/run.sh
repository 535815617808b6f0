#!/usr/bin/env bash
# `npm run test:containers`: sets podman up when it is missing (deploy/smoke/base-images.sh:
# Debian's podman, runc, podman-compose, debootstrap and docker-compose, and the system-wide
# containers.conf this VM needs), builds the base images and one image per service of the
# registry (deploy/Dockerfile), starts docker-compose.yml with podman-compose, seeds the admin
# account, runs the contract's core flows through the containerized gateway (deploy/smoke/flows.ts:
# register, login, an audit subscription over graphql-ws, a booking) and tears everything down,
# volumes included. Needs root. Not part of .ci/run: it takes far longer than CI's budget.
# Prometheus, Grafana, the collector, Jaeger and Mailpit are not started: their official images
# cannot be pulled here and have no local stand-in.
#
#   SMOKE_SERVICES="identity auth authz audit gateway"  only these services (then the gateway's readiness only)
#   SMOKE_REUSE_IMAGES=1                                keep service images a previous run built
#   SMOKE_KEEP=1                                        leave the stack running after the flows
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
project=platform-smoke
envfile=.cache/containers/smoke.env
# Host ports above Linux's ephemeral range (32768–60999): no outgoing connection holds them, and
# below it are the tests' (freePort draws from 10000–29999).
export PLATFORM_VERSION=smoke PLATFORM_REGISTRY=localhost GATEWAY_PUBLISH=127.0.0.1:${SMOKE_GATEWAY_PORT:-61400}
export SMOKE_POSTGRES_PORT=${SMOKE_POSTGRES_PORT:-61432}
ready_timeout=${SMOKE_READY_TIMEOUT:-600}
say() { printf '[test:containers] %s\n' "$*"; }
since() { echo $(($(date +%s) - $1)); }

bash deploy/smoke/base-images.sh
base_seconds=$(since "$started")
say "base images ready after ${base_seconds} s"
mkdir -p .cache/containers
rm -f "$envfile"
npm run -s deploy:secrets -- --file "$envfile" >/dev/null
# Bash-sourceable: the values are single-quoted.
set -a && . "$envfile" && set +a

docker-compose --env-file "$envfile" -f docker-compose.yml config -q
docker-compose --env-file "$envfile" -f docker-compose.yml -f deploy/smoke/compose.smoke.yml config -q
say 'docker-compose config -q: valid'

# Every service of the registry, or those SMOKE_SERVICES names (the flows need identity auth authz audit listings bookings gateway).
services=${SMOKE_SERVICES:-$(npx tsx -e "import('./deploy/src/plan.ts').then(({ deploymentPlan }) => console.log(deploymentPlan().services.map((s) => s.name).join(' ')))")}
build_started=$(date +%s)
# Every image from one snapshot of the work tree: consistent, and `npm ci` runs once for all.
context=.cache/containers/context
rm -rf "$context" && mkdir -p "$context"
git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -cf - -T - 2>/dev/null | tar -xf - -C "$context"
for service in $services; do
  if [ -n "${SMOKE_REUSE_IMAGES:-}" ] && podman image exists "localhost/platform/$service:smoke"; then continue; fi
  service_started=$(date +%s)
  # Docker format: OCI images have no HEALTHCHECK.
  podman build -q --format docker -f "$context/deploy/Dockerfile" --build-arg SERVICE="$service" \
    -t "localhost/platform/$service:smoke" "$context" >/dev/null
  say "built localhost/platform/$service:smoke in $(since "$service_started") s"
done
build_seconds=$(since "$build_started")

# podman-compose 1.0 has no --env-file: it interpolates from the environment, sourced above.
compose=(podman-compose -p "$project" -f docker-compose.yml -f deploy/smoke/compose.smoke.yml)
teardown() {
  status=$?
  if [ $status -ne 0 ]; then
    for container in postgres kafka $services; do
      podman logs --tail 30 "${project}_${container}_1" 2>&1 | sed "s/^/[$container] /" || true
    done
  fi
  if [ -z "${SMOKE_KEEP:-}" ]; then
    "${compose[@]}" down -v -t 5 >/dev/null 2>&1 || true
  else
    say "left running (SMOKE_KEEP): ${compose[*]} down -v"
  fi
  exit $status
}
trap teardown EXIT
# A previous run that was interrupted may have left its containers and volumes.
"${compose[@]}" down -v -t 5 >/dev/null 2>&1 || true
up_started=$(date +%s)
# All at once: the services wait for Postgres and Kafka themselves (podman-compose ignores
# `condition: service_healthy`, and these depends_on carry no condition anyway).
# Without systemd podman cannot schedule health checks and says so per container: not a failure.
"${compose[@]}" up -d --no-build postgres redis kafka $services 2>&1 >/dev/null | grep -v 'systemd connection' >&2 || true

# The gateway's /readyz (supergraph loaded, Redis answers) lists each subgraph's health in its
# body without counting it: with every service running, wait until none is false too; when
# SMOKE_SERVICES leaves some out, the gateway's readiness alone.
all_up=$([ -z "${SMOKE_SERVICES:-}" ] && echo yes || echo no)
gateway_ready() {
  local body
  body=$(curl -fsS "http://$GATEWAY_PUBLISH/readyz" 2>/dev/null) || return 1
  [ "$all_up" = no ] || ! grep -q false <<<"$body"
}
say "waiting for the gateway's /readyz on $GATEWAY_PUBLISH$([ "$all_up" = yes ] && echo ', every subgraph up')"
deadline=$(($(date +%s) + ready_timeout))
until gateway_ready; do
  [ "$(date +%s)" -lt "$deadline" ] || { say "the gateway did not become ready in $ready_timeout s"; exit 1; }
  sleep 3
done
ready_seconds=$(since "$up_started")
say "gateway ready ${ready_seconds} s after compose up"
# Restarts podman performed (restart: unless-stopped): the services should have waited instead.
for service in $services; do
  restarts=$(podman inspect --format '{{.RestartCount}}' "${project}_${service}_1" 2>/dev/null || echo '?')
  [ "$restarts" = 0 ] && continue
  say "$service restarted $restarts times:"
  podman logs "${project}_${service}_1" 2>&1 | grep -m 3 'failed to start\|not reachable after' | cut -c1-300 | sed 's/^/  /' || true
done

export ADMIN_EMAIL=admin@example.com ADMIN_PASSWORD=smoke-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
IDENTITY_DATABASE_URL="postgres://platform_identity:${IDENTITY_DATABASE_PASSWORD}@127.0.0.1:$SMOKE_POSTGRES_PORT/platform_identity" \
  AUTHZ_DATABASE_URL="postgres://platform_authz:${AUTHZ_DATABASE_PASSWORD}@127.0.0.1:$SMOKE_POSTGRES_PORT/platform_authz" \
  POSTGRES_URL="postgres://postgres:${POSTGRES_PASSWORD}@127.0.0.1:$SMOKE_POSTGRES_PORT/postgres" \
  NODE_ENV=production npm run -s seed

flows_started=$(date +%s)
GATEWAY_URL="http://$GATEWAY_PUBLISH/graphql" npx tsx deploy/smoke/flows.ts
flows_seconds=$(since "$flows_started")

say "image sizes:"
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
  grep -E 'platform/.*:smoke|library/(debian|node|postgres|redis)|apache/kafka' | sed 's/^/  /'
say "passed in $(since "$started") s: base images ${base_seconds} s, service images ${build_seconds} s," \
  "stack ready ${ready_seconds} s after up, flows ${flows_seconds} s"
