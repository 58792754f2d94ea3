#!/usr/bin/env bash
# Builds each app's image with podman on a machine that cannot pull base images: the
# Dockerfiles' `node:20-slim` is made locally, from scratch, out of this machine's own
# node binary and the shared libraries it links (plus a `node` user, as the real image has).
# Then every app's deploy folder (scripts/deploy-all.sh) is built with its own Dockerfile.
# Needs: podman (Debian package), node 20 at /usr/bin/node or on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
base=$(mktemp -d)
trap 'rm -rf "$base"' EXIT
node_bin=$(command -v node)
mkdir -p "$base/root/usr/local/bin" "$base/root/etc" "$base/root/tmp" "$base/root/app"
cp "$node_bin" "$base/root/usr/local/bin/node"
# The dynamic loader and every library node links, at the paths it expects them.
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
  mkdir -p "$base/root$(dirname "$lib")"
  cp -L "$lib" "$base/root$lib"
done
printf 'root:x:0:0:root:/root:/bin/false\nnode:x:1000:1000:node:/home/node:/bin/false\n' > "$base/root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' > "$base/root/etc/group"
chmod 1777 "$base/root/tmp"
printf 'FROM scratch\nCOPY root/ /\nENV PATH=/usr/local/bin\n' > "$base/Containerfile"
podman build -q -t docker.io/library/node:20-slim "$base"
[[ -d .deploy/chat-server ]] || scripts/deploy-all.sh
for app in status-server http-bridge door-server chat-server; do
  podman build -q -f "apps/$app/Dockerfile" -t "eventwire/$app" ".deploy/$app"
done
podman images --filter reference='eventwire/*'
