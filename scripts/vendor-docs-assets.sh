#!/usr/bin/env bash
# Refresh the Swagger UI and ReDoc files that /docs and /redoc serve (no CDN at run time).
# Needs npm. Usage: scripts/vendor-docs-assets.sh [SWAGGER_UI_VERSION] [REDOC_VERSION]
set -euo pipefail
swagger=${1:-5.36.0}
redoc=${2:-2.5.4}
target=$(cd "$(dirname "$0")/.." && pwd)/src/questline/api/docs_assets
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "swagger-ui-dist@$swagger" "redoc@$redoc" >/dev/null
mkdir swagger redoc
tar xzf "swagger-ui-dist-$swagger.tgz" -C swagger --strip-components=1
tar xzf "redoc-$redoc.tgz" -C redoc --strip-components=1
mkdir -p "$target"
cp swagger/swagger-ui-bundle.js swagger/swagger-ui-bundle.js.LICENSE.txt swagger/swagger-ui.css \
   swagger/favicon-32x32.png "$target/"
cp swagger/LICENSE "$target/swagger-ui.LICENSE"
cp swagger/NOTICE "$target/swagger-ui.NOTICE"
cp redoc/bundles/redoc.standalone.js redoc/bundles/redoc.standalone.js.LICENSE.txt "$target/"
cp redoc/LICENSE "$target/redoc.LICENSE"
# The bundles name source maps that are not shipped: drop the reference.
sed -i '/^\/\/# sourceMappingURL=/d' "$target/swagger-ui-bundle.js" "$target/redoc.standalone.js"
sed -i 's|/\*# sourceMappingURL=[^*]*\*/||' "$target/swagger-ui.css"
printf 'swagger-ui-dist %s\nredoc %s\n' "$swagger" "$redoc" > "$target/VERSIONS"
