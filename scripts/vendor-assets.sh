#!/usr/bin/env bash
# Fetches the browser libraries Cairn's web pages use from the npm registry,
# at pinned versions, checks each tarball against the registry's sha512
# integrity, and copies the one minified file Cairn serves into
# internal/web/static/vendor. The files are committed and embedded in the
# binary: pages load nothing from outside the server, and building Cairn
# needs neither npm nor network.
#
# Usage: scripts/vendor-assets.sh   (run from anywhere; re-run after
# changing a version below, then commit the result)
set -euo pipefail

# package  version  file inside the tarball  name in vendor/
ASSETS=(
	"htmx.org   2.0.8  package/dist/htmx.min.js      htmx.min.js"
	"sortablejs 1.15.7 package/Sortable.min.js       Sortable.min.js"
)

REGISTRY=${NPM_REGISTRY:-https://registry.npmjs.org}
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/internal/web/static/vendor"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dest"

for line in "${ASSETS[@]}"; do
	read -r pkg version path name <<<"$line"
	meta=$(curl -fsSL "$REGISTRY/$pkg/$version")
	tarball=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["dist"]["tarball"])' <<<"$meta")
	integrity=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["dist"]["integrity"])' <<<"$meta")
	curl -fsSL "$tarball" -o "$tmp/$pkg.tgz"
	got="sha512-$(openssl dgst -sha512 -binary "$tmp/$pkg.tgz" | base64 -w0)"
	if [[ "$got" != "$integrity" ]]; then
		echo "$pkg@$version: integrity mismatch: got $got, registry says $integrity" >&2
		exit 1
	fi
	tar -xzf "$tmp/$pkg.tgz" -C "$tmp" "$path"
	cp "$tmp/$path" "$dest/$name"
	rm -rf "$tmp/package"
	echo "$pkg@$version -> internal/web/static/vendor/$name"
done
