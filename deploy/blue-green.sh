#!/usr/bin/env bash
# Blue-green deploy on one host behind nginx, with automatic rollback (the Kubernetes path is rollout.sh).
#
#   deploy/blue-green.sh RELEASE
#
# Two slots, blue and green, each a web process of one release on its own port. The new release starts in
# the idle slot (after MIGRATE, expand/contract), must answer /readyz within READY_TIMEOUT and pass a smoke
# test on its own port; only then does nginx send traffic to it (UPSTREAM_FILE rewritten, RELOAD_PROXY:
# a graceful reload, in-flight requests finish on the old release). The same smoke test runs once more
# through the proxy; a failure there moves traffic back. The old slot is stopped last, after DRAIN_SECONDS.
# A release that fails any check never takes traffic, or gives it back, and the script exits 1 saying why.
# The release's web process must run with APP_RELEASE=RELEASE: /healthz names it, which is how the
# script knows the proxy's reload has taken effect.
#
# Environment (commands are run with `sh -c`, the arguments appended):
#   START_RELEASE  "... SLOT PORT RELEASE": start RELEASE's web process on 127.0.0.1:PORT and return
#                  (compose: docker compose -p "devopsboard-$SLOT" up -d web, with WEB_PORT=PORT)
#   STOP_RELEASE   "... SLOT PORT": stop that slot gracefully
#   RELOAD_PROXY   reload nginx gracefully (default: nginx -s reload; compose: docker compose exec proxy nginx -s reload)
#   MIGRATE        optional, "... RELEASE": run the release's migrations first
#   UPSTREAM_FILE  the nginx upstream include (deploy/nginx/upstream.conf)
#   PUBLIC_URL     the proxy's address, for the check after the switch (none: skipped)
#   SMOKE_PATHS    paths that must answer 200 (default: /readyz /healthz /accounts/login/)
#   STATE_DIR (var/deploy), BLUE_PORT (8001), GREEN_PORT (8002), READY_TIMEOUT (60), DRAIN_SECONDS (5)
set -euo pipefail

RELEASE="${1:?usage: deploy/blue-green.sh RELEASE}"
HERE="$(cd "$(dirname "$0")" && pwd)"
: "${START_RELEASE:?set START_RELEASE}" "${STOP_RELEASE:?set STOP_RELEASE}"
RELOAD_PROXY="${RELOAD_PROXY:-nginx -s reload}"
MIGRATE="${MIGRATE:-}"
UPSTREAM_FILE="${UPSTREAM_FILE:-$HERE/nginx/upstream.conf}"
PUBLIC_URL="${PUBLIC_URL:-}"
STATE_DIR="${STATE_DIR:-$HERE/../var/deploy}"
BLUE_PORT="${BLUE_PORT:-8001}"
GREEN_PORT="${GREEN_PORT:-8002}"
READY_TIMEOUT="${READY_TIMEOUT:-60}"
DRAIN_SECONDS="${DRAIN_SECONDS:-5}"
SMOKE_PATHS="${SMOKE_PATHS:-/readyz /healthz /accounts/login/}"

log() { printf '%s blue-green %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$RELEASE" "$*" >&2; }
port_of() { if [[ "$1" == blue ]]; then echo "$BLUE_PORT"; else echo "$GREEN_PORT"; fi; }

mkdir -p "$STATE_DIR"
active="$(cat "$STATE_DIR/active" 2>/dev/null || echo none)"
if [[ "$active" == blue ]]; then next=green; else next=blue; fi
next_port="$(port_of "$next")"

status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1" || true; }

smoke_test() {  # BASE-URL; prints what failed
  local path status
  for path in $SMOKE_PATHS; do
    status="$(status_of "$1$path")"
    [[ "$status" == 200 ]] || { echo "$1$path answered $status"; return 1; }
  done
}

point_proxy_at() {  # PORT
  # Written in place (not renamed), so a file bind-mounted into the proxy's container sees the change.
  cat >"$UPSTREAM_FILE" <<CONF
# Written by deploy/blue-green.sh: the live release.
upstream devopsboard_web {
    server 127.0.0.1:$1 max_fails=3 fail_timeout=10s;
    keepalive 16;
}
CONF
  sh -c "$RELOAD_PROXY"
}

give_up() {  # REASON: the new release never took traffic
  log "FAILED: $1"
  sh -c "$STOP_RELEASE \"\$@\"" _ "$next" "$next_port" || true
  log "the previous release ($active) keeps serving"
  exit 1
}

log "active: $active; starting $RELEASE in $next on port $next_port"
if [[ -n "$MIGRATE" ]]; then
  sh -c "$MIGRATE \"\$@\"" _ "$RELEASE" || { log "FAILED: migrations; nothing changed"; exit 1; }
fi
sh -c "$START_RELEASE \"\$@\"" _ "$next" "$next_port" "$RELEASE" || give_up "$RELEASE did not start"

deadline=$((SECONDS + READY_TIMEOUT))
until [[ "$(status_of "http://127.0.0.1:$next_port/readyz")" == 200 ]]; do
  ((SECONDS < deadline)) || give_up "$RELEASE was not ready (/readyz) within ${READY_TIMEOUT}s"
  sleep 0.5
done
reason="$(smoke_test "http://127.0.0.1:$next_port")" || give_up "smoke test on its own port: $reason"
reason=""

log "switching the proxy to $next"
point_proxy_at "$next_port"
echo "$next" >"$STATE_DIR/active"

serves_release() {  # true once the proxy's answers come from RELEASE
  curl -s --max-time 5 "$PUBLIC_URL/healthz" | grep -q "\"release\": \"$RELEASE\""
}

through_proxy() {  # prints what failed
  serves_release || { echo "the proxy still does not answer from $RELEASE"; return 1; }
  smoke_test "$PUBLIC_URL"
}

if [[ -n "$PUBLIC_URL" ]]; then
  # A graceful reload takes a moment: until the old workers exit, one of them may still take a connection and
  # answer from the old upstream. So the whole check repeats until it passes once or READY_TIMEOUT runs out.
  deadline=$((SECONDS + READY_TIMEOUT))
  until reason="$(through_proxy)"; do
    ((SECONDS < deadline)) || break
    sleep 0.2
  done
  if [[ -n "$reason" ]]; then
    log "FAILED through the proxy: $reason"
    if [[ "$active" != none ]]; then
      point_proxy_at "$(port_of "$active")"
      echo "$active" >"$STATE_DIR/active"
    fi
    sh -c "$STOP_RELEASE \"\$@\"" _ "$next" "$next_port" || true
    log "rolled back: $active serves again"
    exit 1
  fi
fi

if [[ "$active" != none ]]; then
  sleep "$DRAIN_SECONDS"
  log "stopping $active"
  sh -c "$STOP_RELEASE \"\$@\"" _ "$active" "$(port_of "$active")" || log "stopping $active failed"
fi
log "release $RELEASE is live in $next"
