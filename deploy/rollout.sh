#!/usr/bin/env bash
# Deploy a release to Kubernetes, verify it, and return to the previous release when verification fails.
#
#   deploy/rollout.sh TAG
#
# Steps: render the overlay with the release's image tag; apply the config and run the migration Job
# (expand/contract: the running release keeps working); roll out web, worker and beat (maxUnavailable 0,
# so old pods serve until new ones pass /readyz); verify: every rollout finishes within ROLLOUT_TIMEOUT,
# /readyz answers, key pages and the API answer (smoke test), and, when PROMETHEUS_URL is set, the 5xx
# ratio after VERIFY_SECONDS stays under MAX_5XX_RATIO. Any failure: `kubectl rollout undo` for every
# Deployment, wait for the previous release, exit 1 with the reason.
#
# Environment: OVERLAY (deploy/k8s/overlays/production), NAMESPACE (devopsboard), IMAGE
# (ghcr.io/devopsboard/devopsboard), BASE_URL (public URL for the checks; none: skipped), PROMETHEUS_URL,
# ROLLOUT_TIMEOUT (300s), VERIFY_SECONDS (120), MAX_5XX_RATIO (0.02), KUBECTL (kubectl), SECRETS_ENV.
set -euo pipefail

TAG="${1:?usage: deploy/rollout.sh TAG}"
HERE="$(cd "$(dirname "$0")" && pwd)"
OVERLAY="${OVERLAY:-$HERE/k8s/overlays/production}"
NAMESPACE="${NAMESPACE:-devopsboard}"
IMAGE="${IMAGE:-ghcr.io/devopsboard/devopsboard}"
BASE_URL="${BASE_URL:-}"
PROMETHEUS_URL="${PROMETHEUS_URL:-}"
ROLLOUT_TIMEOUT="${ROLLOUT_TIMEOUT:-300s}"
VERIFY_SECONDS="${VERIFY_SECONDS:-120}"
MAX_5XX_RATIO="${MAX_5XX_RATIO:-0.02}"
KUBECTL="${KUBECTL:-kubectl}"
SECRETS_ENV="${SECRETS_ENV:-$OVERLAY/secrets.env}"
DEPLOYMENTS=(devopsboard-web devopsboard-worker devopsboard-beat)

log() { printf '%s deploy %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$TAG" "$*" >&2; }
k() { "$KUBECTL" --namespace "$NAMESPACE" "$@"; }

render() {
  local dir
  dir="$(mktemp -d)"
  # A throwaway overlay on top of the real one, so the release's tag never edits a committed file.
  cat >"$dir/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(realpath --relative-to="$dir" "$OVERLAY")
images:
  - name: $IMAGE
    newTag: "$TAG"
YAML
  "$KUBECTL" kustomize "$dir"
  rm -rf "$dir"
}

rollback() {
  log "FAILED: $*"
  log "rolling back to the previous release"
  local d
  for d in "${DEPLOYMENTS[@]}"; do
    k rollout undo "deployment/$d" || log "undo of $d failed"
  done
  for d in "${DEPLOYMENTS[@]}"; do
    k rollout status "deployment/$d" --timeout="$ROLLOUT_TIMEOUT" || log "$d is not ready after the rollback either"
  done
  log "rolled back; the previous release serves again"
  exit 1
}

expect_status() {  # URL EXPECTED-STATUS-REGEX
  local status
  status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1" || true)"
  [[ "$status" =~ ^($2)$ ]] || { echo "$1 answered $status, expected $2"; return 1; }
}

smoke_test() {
  expect_status "$BASE_URL/readyz" 200 &&
    expect_status "$BASE_URL/healthz" 200 &&
    expect_status "$BASE_URL/accounts/login/" 200 &&
    expect_status "$BASE_URL/" '200|302' &&
    expect_status "$BASE_URL/api/v1/" '200|401|403' &&
    expect_status "$BASE_URL/api/schema/?format=json" 200
}

error_ratio() {
  local query='sum(rate(django_http_responses_total_by_status_view_method_total{status=~"5.."}[2m])) / sum(rate(django_http_responses_total_by_status_view_method_total[2m]))'
  curl -fsS --max-time 10 --get "$PROMETHEUS_URL/api/v1/query" --data-urlencode "query=$query" |
    python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "0")'
}

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
render >"$rendered"
log "rendered $(grep -c '^kind:' "$rendered") objects from $OVERLAY"

if [[ -f "$SECRETS_ENV" ]]; then
  k create secret generic devopsboard-secrets --from-env-file="$SECRETS_ENV" --dry-run=client -o yaml | k apply -f -
fi

# 1. Configuration and migrations, before any new pod runs.
log "applying configuration and running migrations"
k delete job devopsboard-migrate --ignore-not-found --wait=true
k apply -f "$rendered" --selector='app.kubernetes.io/component notin (web,worker,beat)'
if ! k wait --for=condition=complete job/devopsboard-migrate --timeout="$ROLLOUT_TIMEOUT"; then
  k logs job/devopsboard-migrate --tail=50 || true
  log "FAILED: migrations did not complete; nothing was rolled out"
  exit 1
fi

# 2. The rollout itself.
log "rolling out ${DEPLOYMENTS[*]}"
k apply -f "$rendered"
for d in "${DEPLOYMENTS[@]}"; do
  k rollout status "deployment/$d" --timeout="$ROLLOUT_TIMEOUT" || rollback "$d did not become ready within $ROLLOUT_TIMEOUT"
done

# 3. Verification from outside.
if [[ -n "$BASE_URL" ]]; then
  log "smoke test of $BASE_URL"
  reason="$(smoke_test)" || rollback "smoke test: $reason"
fi
if [[ -n "$PROMETHEUS_URL" ]]; then
  log "watching the 5xx ratio for ${VERIFY_SECONDS}s"
  sleep "$VERIFY_SECONDS"
  ratio="$(error_ratio)" || rollback "could not read the 5xx ratio from $PROMETHEUS_URL"
  if python3 -c "import sys; sys.exit(0 if float('$ratio') <= float('$MAX_5XX_RATIO') else 1)"; then
    log "5xx ratio $ratio is within $MAX_5XX_RATIO"
  else
    rollback "5xx ratio $ratio is above $MAX_5XX_RATIO"
  fi
fi
log "release $TAG is live"
