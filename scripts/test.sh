#!/usr/bin/env bash
# The project's test command (README, .ci/run): build, type-check, unit + integration tests, the
# detection corpus (bench:detect), property and load tests, then the end-to-end tests with the real
# Claude Code CLI (the pinned and the newest). As root, the e2e tests run in a private network
# namespace (loopback only), so nothing a test agent tries can leave the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build
npm run typecheck
# lint and format (Biome): fails on a lint error or a file that is not formatted (fix: npx biome check --write .)
npm run lint
node --import tsx --test --test-reporter=spec test/unit/*.test.ts test/integration/*.test.ts
# the detection corpus replayed through a real sidecar: rates per category and costs are printed
# (measured, not judged); it fails only when the sidecar cannot take the corpus. Before the load
# test: right after a minute of full load this machine ran the same cost measurement ~1.5x slower.
node --import tsx scripts/bench-detect.ts
# real Claude Code sessions and published attacks (../shared, when present) through a real sidecar:
# interruption rates, misses and their causes (a report, not a threshold; skipped without ../shared)
node --import tsx scripts/bench-real.ts
# how the decision time grows with the size of one call (every fill in every shape, at 16 and 64 KB): a
# scan that costs the square of its input is named here before a hostile multi-MB call finds it (a report)
node --import tsx scripts/bench-heavy.ts
# fuzz/property (>= 100,000 generated inputs) and load (50 sessions for 60 s): a few minutes each on 2 cores
node --import tsx --test --test-reporter=spec --test-concurrency=1 test/property/*.test.ts test/load/*.test.ts
# the console in a real browser (Debian's chromium via playwright-core; .ci/run installs it; under
# CI=true a missing chromium fails the run)
node --import tsx --test --test-reporter=spec --test-concurrency=1 test/browser/*.test.ts
# The packaged install (test/e2e/package.test.ts: npm pack, then npm install -g of the tarball) runs with no
# network, from npm's cache. `npm ci` leaves only what the lock file needs there; a global install resolves
# the package's dependency ranges afresh (full registry documents, the newest matching versions), so on a
# fresh machine it found nothing. Fill the cache with what that install fetches while the registry is here
# (install scripts skipped: nothing is built; the test's own install builds better-sqlite3).
prime=$(mktemp -d)
if npm pack --silent --pack-destination "$prime" >/dev/null &&
  npm install -g --prefix "$prime/prefix" --ignore-scripts --prefer-offline --no-audit --no-fund "$prime"/*.tgz >/dev/null 2>"$prime/err"; then
  :
else
  echo "test: could not fill npm's cache for the packaged-install e2e test (is the npm registry reachable?): $(tail -n 3 "$prime/err" 2>/dev/null)" >&2
fi
rm -rf "$prime"
# End-to-end, once per Claude Code CLI: the pinned one (@anthropic-ai/claude-code) and the newest
# (claude-code-next). Under CI=true a missing or broken CLI fails the suite instead of skipping it.
e2e() {
  echo "e2e: $1 ($("$2" --version 2>&1 | head -n1 || true))"
  if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
    E2E_CLAUDE_BIN="$2" unshare -n bash -c 'ip link set lo up && exec node --import tsx --test --test-reporter=spec --test-concurrency=1 test/e2e/*.test.ts'
  else
    echo "e2e: not root; running without a private network namespace"
    E2E_CLAUDE_BIN="$2" node --import tsx --test --test-reporter=spec --test-concurrency=1 test/e2e/*.test.ts
  fi
}
e2e "pinned Claude Code" "$PWD/node_modules/@anthropic-ai/claude-code/bin/claude.exe"
e2e "newest Claude Code" "$PWD/node_modules/claude-code-next/bin/claude.exe"
