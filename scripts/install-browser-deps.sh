#!/usr/bin/env bash
# Debian's Chromium (/usr/bin/chromium) for the browser tests in tests/browser/, which drive it with Playwright
# for Python (never `playwright install`). Installs only what is missing; quiet; safe to run again.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser-deps: apt-get not found; install Chromium so that /usr/bin/chromium exists" >&2
  exit 1
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  SUDO=(sudo)
fi
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# fonts: so that text in the screenshots is text, whatever the base image has
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  chromium fonts-liberation fonts-dejavu-core >/dev/null
test -x /usr/bin/chromium
