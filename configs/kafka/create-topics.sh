#!/bin/bash
# Create (or grow) the Incident Radar topics. Idempotent: safe to run on every `docker compose up`.
#
# Environment:
#   KAFKA_BOOTSTRAP     broker address, e.g. kafka:9092
#   KAFKA_TOPICS        whitespace-separated "name:partitions:retention_ms" entries
#   KAFKA_REPLICATION   replication factor for new topics (1 on a single broker)
#   KAFKA_MAX_MESSAGE_BYTES  max.message.bytes for every topic
#   KAFKA_BIN           directory of the Kafka CLI tools (default /opt/kafka/bin)
#
# Partitions can only grow: a larger number in .env adds partitions to an existing topic
# (keys are re-hashed for new messages only); a smaller number is reported and left as is.
set -euo pipefail

: "${KAFKA_BOOTSTRAP:?KAFKA_BOOTSTRAP is required}"
: "${KAFKA_TOPICS:?KAFKA_TOPICS is required}"
KAFKA_REPLICATION="${KAFKA_REPLICATION:-1}"
KAFKA_MAX_MESSAGE_BYTES="${KAFKA_MAX_MESSAGE_BYTES:-1048576}"
KAFKA_BIN="${KAFKA_BIN:-/opt/kafka/bin}"

topics() { "${KAFKA_BIN}/kafka-topics.sh" --bootstrap-server "${KAFKA_BOOTSTRAP}" "$@"; }
configs() { "${KAFKA_BIN}/kafka-configs.sh" --bootstrap-server "${KAFKA_BOOTSTRAP}" "$@"; }

partition_count() {
    topics --describe --topic "$1" | grep -o 'PartitionCount:[[:space:]]*[0-9]*' | head -n1 | grep -o '[0-9]*$'
}

ensure_topic() {
    local name="$1" partitions="$2" retention_ms="$3" current
    if [[ ! "${partitions}" =~ ^[1-9][0-9]*$ ]] || [[ ! "${retention_ms}" =~ ^-?[0-9]+$ ]]; then
        echo "invalid topic spec '${name}:${partitions}:${retention_ms}'" >&2
        return 2
    fi
    topics --create --if-not-exists --topic "${name}" \
        --partitions "${partitions}" --replication-factor "${KAFKA_REPLICATION}" \
        --config "retention.ms=${retention_ms}" \
        --config "max.message.bytes=${KAFKA_MAX_MESSAGE_BYTES}"
    current="$(partition_count "${name}")"
    if [[ -n "${current}" && "${current}" -lt "${partitions}" ]]; then
        echo "growing ${name}: ${current} -> ${partitions} partitions"
        topics --alter --topic "${name}" --partitions "${partitions}"
    elif [[ -n "${current}" && "${current}" -gt "${partitions}" ]]; then
        echo "note: ${name} has ${current} partitions (> ${partitions}); partitions cannot shrink"
    fi
    configs --alter --entity-type topics --entity-name "${name}" \
        --add-config "retention.ms=${retention_ms},max.message.bytes=${KAFKA_MAX_MESSAGE_BYTES}"
    echo "topic ${name}: partitions>=${partitions} retention.ms=${retention_ms}"
}

for spec in ${KAFKA_TOPICS}; do
    IFS=':' read -r name partitions retention_ms <<< "${spec}"
    ensure_topic "${name}" "${partitions:-}" "${retention_ms:-}"
done
topics --list
