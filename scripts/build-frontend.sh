#!/usr/bin/env bash
# Build the admin app (frontend-static/) into frontend-static/dist/, which the gateway serves at "/".
#
#   1. `npm ci` when node_modules/ is missing or package-lock.json changed since the last install;
#   2. unless dist/ is newer than every source file (and ../schema.graphql): `npm run build`, which checks every
#      GraphQL operation in src/ against schema.graphql, type-checks, and bundles with Vite.
#
# `scripts/build-frontend.sh --force` builds even when dist/ looks fresh. Needs Node >= 20.19 and npm.
set -euo pipefail
cd "$(dirname "$0")/../frontend-static"

if ! command -v npm >/dev/null 2>&1; then
  echo "build-frontend: npm not found; install Node.js 20.19 or newer" >&2
  exit 1
fi

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

stamp=node_modules/.bokbro-lock.sha256
lock_sum=$(sha256 package-lock.json)
if [ ! -d node_modules ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" >"$stamp"
fi

if [ "${1:-}" != "--force" ] && [ -f dist/index.html ]; then
  newer=$(find src scripts index.html package.json package-lock.json tsconfig.json vite.config.ts .npmrc \
    ../schema.graphql -newer dist/index.html -print -quit)
  if [ -z "$newer" ]; then
    echo "frontend-static/dist is up to date"
    exit 0
  fi
fi
npm run --silent build
