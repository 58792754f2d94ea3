#!/usr/bin/env bash
# Makes the deploy folders compose.yaml builds from: .deploy/<app>, each one app with its
# production dependencies and the workspace packages it uses, runnable with `node dist/main.js`.
set -euo pipefail
cd "$(dirname "$0")/.."
npx -y pnpm@10 build
for app in status-server http-bridge door-server chat-server; do
  rm -rf ".deploy/$app"
  npx -y pnpm@10 --filter "@eventwire/$app" deploy --prod ".deploy/$app"
done
echo "deploy folders ready in .deploy/; now: docker compose up --build"
