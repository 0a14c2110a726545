#!/usr/bin/env bash
# Refresh the Leaflet copy that the interactive maps inline (no CDN: maps must work offline).
# Leaflet is BSD-2-Clause; its LICENSE is kept next to it.
set -euo pipefail
version="${1:-1.9.4}"
dest="$(cd "$(dirname "$0")/.." && pwd)/greenmine_geo/maps/assets/leaflet"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "leaflet@${version}" >/dev/null && tar xzf "leaflet-${version}.tgz")
mkdir -p "$dest/images"
cp "$work/package/dist/leaflet.js" "$work/package/dist/leaflet.css" "$work/package/LICENSE" "$dest/"
cp "$work/package/dist/images/"*.png "$dest/images/"
echo "leaflet ${version}" > "$dest/VERSION"
echo "Leaflet ${version} copied to ${dest}"
