#!/usr/bin/env bash
# Runs each app's image once (after scripts/container-images.sh built them) and checks it
# answers as a user would see it: status-server's TCP line, the bridge's JSON through it,
# door's and chat's /healthz and their first TCP line. Then stops them (SIGTERM: a drain, exit 0).
#
# This machine cannot run containers the usual way: crun refuses cgroups in "hybrid" mode
# (v1 controllers plus a cgroup2 mount), and refuses to raise rlimits past ours. So, as root:
# a private mount namespace without the cgroup2 mount, --cgroups=disabled, ulimits we hold,
# host networking (each app told HOST=127.0.0.1 and ports away from `pnpm dev`'s).
set -euo pipefail
if [[ "${1:-}" != --inside ]]; then exec unshare -m "$0" --inside; fi
umount /sys/fs/cgroup/unified 2>/dev/null || true

names=()
cleanup() { for n in "${names[@]}"; do podman stop -t 5 "$n" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
run() {
  local name=$1; shift
  names+=("$name")
  podman rm -f "$name" >/dev/null 2>&1 || true
  podman run -d --rm --name "$name" --cgroups=disabled --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
    --network=host -e HOST=127.0.0.1 "$@" >/dev/null
}
# Waits for a TCP port (bash's /dev/tcp: nothing to install).
wait_port() { for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.2; done; echo "port $1 never opened" >&2; return 1; }
first_line() { exec 3<>"/dev/tcp/127.0.0.1/$1"; printf '%s' "${2:-}" >&3; timeout 5 head -n 1 <&3; exec 3<&-; }

run ew-status -e STATUS_PORT=19670 -e STATUS_ADMIN_PORT=19671 eventwire/status-server
run ew-bridge -e BRIDGE_PORT=18090 -e STATUS_HOST=127.0.0.1 -e STATUS_PORT=19670 eventwire/http-bridge
run ew-door -e DOOR_PORT=18000 -e DOOR_WEB_PORT=18002 eventwire/door-server
run ew-chat -e CHAT_PORT=18001 -e CHAT_WEB_PORT=18081 -e CHAT_IRC_PORT=16667 eventwire/chat-server
for port in 19670 19671 18090 18000 18002 18001 18081 16667; do wait_port "$port"; done

echo "status-server (container): $(first_line 19670 $'404\n')"
echo "status-server admin /readyz: $(curl -fsS http://127.0.0.1:19671/readyz)"
sleep 0.5 # the bridge's links connect right after it listens
echo "http-bridge -> status-server container: $(curl -fsS http://127.0.0.1:18090/status/404)"
echo "door-server /healthz: $(curl -fsS http://127.0.0.1:18002/healthz)"
echo "door-server first TCP frame: $(first_line 18000)"
echo "chat-server /healthz: $(curl -fsS http://127.0.0.1:18081/healthz)"
echo "chat-server first TCP line: $(first_line 18001 $'hello\n')"
cleanup
names=()
echo "all four images ran and answered"
