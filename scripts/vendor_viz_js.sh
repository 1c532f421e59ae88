#!/usr/bin/env bash
# Re-fetch the WebAssembly build of Graphviz that the graph explorer embeds.
#
# The explorer page (chainrule/viz/html.py) must work with no network at all, so
# the Graphviz layout engine is vendored: @viz-js/viz's UMD bundle, which carries
# the .wasm inlined, lands in chainrule/viz/assets/viz-global.js.
#
# Usage: scripts/vendor_viz_js.sh [version]     (needs npm and the npm registry)
set -euo pipefail

version="${1:-3.31.0}"
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
assets="$repo_root/chainrule/viz/assets"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
tarball="$(npm pack --silent "@viz-js/viz@$version")"
tar -xzf "$tarball"

cp package/dist/viz-global.js "$assets/viz-global.js"
# The package ships no LICENSE file; its package.json declares MIT.
license="$(node -e 'process.stdout.write(require("./package/package.json").license)')"
if [ "$license" != "MIT" ]; then
    echo "@viz-js/viz $version declares licence '$license', not MIT: review before vendoring" >&2
    exit 1
fi
printf '%s\n' "@viz-js/viz $version ($tarball), sha256 $(sha256sum "$assets/viz-global.js" | cut -d' ' -f1)" \
    > "$assets/viz-global.VERSION"
echo "vendored @viz-js/viz $version into $assets/viz-global.js"
