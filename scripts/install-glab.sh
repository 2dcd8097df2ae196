#!/usr/bin/env bash
# Builds the GitLab CLI glab at the version the compatibility suite
# (compat/glab_test.go) is written for, from its source module, into a cache
# outside the repository, and prints the binary's path on its last line.
# A cached binary is reused as is, so running this again costs nothing.
#
# `go install gitlab.com/gitlab-org/cli/cmd/glab@v1.52.0` fails here: the
# checksum database has no entry for the tag (404). So this downloads the
# module with `go mod download` (GONOSUMDB for that one module; its
# dependencies are still verified) and builds ./cmd/glab inside it, with the
# version stamp glab's Makefile sets.
#
# Usage: scripts/install-glab.sh   (from anywhere)
# Environment: CAIRN_TOOLS_DIR   cache root (default ~/.cache/cairn-tools);
#                                 the binary goes to $CAIRN_TOOLS_DIR/glab-v1.52.0/glab
# Then: go test ./compat -run Glab -v   (or CAIRN_GLAB=/path/to/glab)
set -euo pipefail

VERSION=v1.52.0
MODULE=gitlab.com/gitlab-org/cli

tools=${CAIRN_TOOLS_DIR:-${HOME:?HOME or CAIRN_TOOLS_DIR must be set}/.cache/cairn-tools}
mkdir -p "$tools"
tools=$(cd "$tools" && pwd) # absolute, as the tests look it up from elsewhere
dest="$tools/glab-$VERSION"
bin="$dest/glab"

# The stamp is written only after a complete build, so a build that was
# interrupted half-way is redone instead of trusted.
if [[ -x "$bin" && "$(cat "$dest/.version" 2>/dev/null || true)" == "$VERSION" ]]; then
	echo "$bin"
	exit 0
fi

command -v go >/dev/null 2>&1 || {
	echo "install-glab: go is not on PATH; glab is built from source with the Go toolchain" >&2
	exit 1
}

mkdir -p "$dest"
tmp=$(mktemp -d "$dest/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "install-glab: building glab $VERSION into $dest (a minute or two)" >&2

# Outside any module (and any go.work) so that the download touches no
# go.mod; the checksum database does not know this module's tag.
json=$(cd "$tmp" && GOWORK=off GOFLAGS= GONOSUMDB="$MODULE" \
	go mod download -json "$MODULE@$VERSION")
src=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
if [[ -z "$src" || ! -d "$src" ]]; then
	echo "install-glab: go mod download printed no module directory:" >&2
	echo "$json" >&2
	exit 1
fi

# The tag's date, as glab's release builds carry it.
info=$(sed -n 's/^[[:space:]]*"Info": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
build_date=$(sed -n 's/.*"Time":"\([0-9-]*\)T.*/\1/p' "$info" 2>/dev/null || true)
(cd "$src" && GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
	go build -trimpath \
	-ldflags "-s -w -X main.version=$VERSION -X main.buildDate=${build_date:-unknown}" \
	-o "$tmp/glab" ./cmd/glab) >&2

# A smoke run with its own empty config and no update check (which would
# go to gitlab.com).
HOME="$tmp" XDG_CONFIG_HOME="$tmp" GLAB_CONFIG_DIR="$tmp/config" CHECK_UPDATE=false \
	GLAB_SEND_TELEMETRY=false "$tmp/glab" --version >&2
mv -f "$tmp/glab" "$bin"
echo "$VERSION" >"$dest/.version"
echo "$bin"
