#!/usr/bin/env bash
# From a fresh clone to the main job: installs what a source build needs
# (scripts/bootstrap.sh), the npm packages (which builds the native addon),
# the TypeScript, and then runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# node-gyp builds against this Node's own headers instead of downloading them.
export npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
npm ci --no-audit --no-fund
npm run build:ts
npm run demo
