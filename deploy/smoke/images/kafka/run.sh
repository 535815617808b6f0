#!/bin/bash
# As the official apache/kafka image: every KAFKA_FOO_BAR variable becomes foo.bar in
# server.properties (`___` stands for `-`, `__` for `_`), CLUSTER_ID formats the log folder.
set -euo pipefail
config=/opt/kafka/config/server.properties
mkdir -p /opt/kafka/config
: >"$config"
while IFS='=' read -r name value; do
  case "$name" in KAFKA_HEAP_OPTS | KAFKA_OPTS) continue ;; KAFKA_*) ;; *) continue ;; esac
  key=$(printf '%s' "${name#KAFKA_}" | tr '[:upper:]' '[:lower:]' | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g')
  printf '%s=%s\n' "$key" "$value" >>"$config"
done < <(env)
cat >/opt/kafka/config/log4j2.properties <<'LOG'
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
LOG
java_args=(${KAFKA_HEAP_OPTS:--Xmx512m -Xms128m} -XX:+UseSerialGC -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties -cp '/opt/kafka/libs/*')
logs=$(sed -n 's/^log.dirs=//p' "$config")
if [ ! -f "${logs:-/tmp/kraft-combined-logs}/meta.properties" ]; then
  java "${java_args[@]}" kafka.tools.StorageTool format --cluster-id "${CLUSTER_ID:?}" --config "$config" --ignore-formatted
fi
exec java "${java_args[@]}" kafka.Kafka "$config"
