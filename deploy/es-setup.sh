#!/bin/bash
# One-shot Elasticsearch security setup (runs in the Elasticsearch image, which ships curl):
#   * sets the password of the built-in kibana_system user (Kibana logs in with it);
#   * creates the role and user the Incident Radar containers use (least privilege: only the
#     <prefix>-* indices, their templates and lifecycle policies).
# Idempotent: re-running only resets the same passwords and role.
#
# Passwords are embedded in JSON bodies: keep them to letters, digits, '-', '_' and '.'.
set -euo pipefail

: "${ES_URL:?}" "${ELASTIC_PASSWORD:?}" "${KIBANA_PASSWORD:?}"
: "${RADAR_ES_USERNAME:?}" "${RADAR_ES_PASSWORD:?}" "${RADAR_INDEX_PREFIX:?}"

for var in ELASTIC_PASSWORD KIBANA_PASSWORD RADAR_ES_PASSWORD RADAR_ES_USERNAME RADAR_INDEX_PREFIX; do
    if [[ ! "${!var}" =~ ^[A-Za-z0-9._-]+$ ]]; then
        echo "${var} may only contain letters, digits, '.', '_' and '-'" >&2
        exit 2
    fi
done

es() {
    local method="$1" path="$2" body="${3:-}"
    curl --silent --show-error --fail-with-body -u "elastic:${ELASTIC_PASSWORD}" \
        -X "${method}" -H 'Content-Type: application/json' \
        ${body:+--data "${body}"} "${ES_URL}${path}"
    echo
}

echo "waiting for Elasticsearch at ${ES_URL}"
until es GET "/_cluster/health?wait_for_status=yellow&timeout=10s" > /dev/null 2>&1; do
    sleep 2
done

echo "setting the kibana_system password"
es POST /_security/user/kibana_system/_password "{\"password\":\"${KIBANA_PASSWORD}\"}"

echo "creating role radar_writer and user ${RADAR_ES_USERNAME}"
es PUT /_security/role/radar_writer "{
  \"cluster\": [\"monitor\", \"manage_index_templates\", \"manage_ilm\"],
  \"indices\": [{\"names\": [\"${RADAR_INDEX_PREFIX}-*\"], \"privileges\": [\"all\"]}]
}"
es PUT "/_security/user/${RADAR_ES_USERNAME}" \
    "{\"password\":\"${RADAR_ES_PASSWORD}\",\"roles\":[\"radar_writer\"],\"full_name\":\"Incident Radar pipeline\"}"
echo "Elasticsearch security setup done"
