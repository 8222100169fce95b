#!/usr/bin/env bash
# The README's main command: build, start the sidecar, show it protecting a real Claude Code session.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  exec unshare -n bash -c 'ip link set lo up && exec node --import tsx scripts/demo.ts'
fi
exec node --import tsx scripts/demo.ts
