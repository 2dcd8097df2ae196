#!/usr/bin/env bash
# Installs the Node client @gitbeaker/rest that the compatibility suite
# (compat/gitbeaker_test.go) runs against a real `cairn serve`, at the exact
# version pinned in compat/gitbeaker/package-lock.json, into
# compat/gitbeaker/node_modules (ignored by git).
#
# It runs `npm ci` only when node_modules is missing or older than the lock
# file (or package.json), so CI can call it before every run: when nothing
# changed it returns at once. Quiet unless something fails.
#
# Usage: scripts/install-gitbeaker.sh   (from anywhere; needs node >= 20 and npm)
set -euo pipefail

dir="$(cd "$(dirname "$0")/.." && pwd)/compat/gitbeaker"
# npm ci writes node_modules/.package-lock.json last: it marks a complete
# install, and its age tells whether the lock file changed since.
stamp="$dir/node_modules/.package-lock.json"

if [[ -f "$stamp" && ! "$dir/package-lock.json" -nt "$stamp" && ! "$dir/package.json" -nt "$stamp" ]]; then
	exit 0
fi

for tool in node npm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "install-gitbeaker: $tool is not installed; install Node.js 20 or newer" >&2
		exit 1
	fi
done
major=$(node -p 'process.versions.node.split(".")[0]')
if ((major < 20)); then
	echo "install-gitbeaker: Node.js $(node --version) is too old; @gitbeaker/rest needs 20 or newer" >&2
	exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
	echo "install-gitbeaker: npm ci in $dir failed:" >&2
	cat "$log" >&2
	exit 1
fi
