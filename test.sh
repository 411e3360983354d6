#!/usr/bin/env bash
# Runs the unit and integration tests on a machine of the project's kind: provides Node and pnpm
# (scripts/toolchain.sh), starts the local PostgreSQL and NATS when they are down
# (scripts/services.sh), installs the dependencies, then `pnpm test` with any arguments given.
# About 12–13 minutes on the 2-core machine (753 s of tests in the last CI run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
args=("$@")
set -- # a sourced script sees the caller's arguments: give it none
. scripts/toolchain.sh
bash scripts/services.sh
pnpm install --frozen-lockfile
exec pnpm test "${args[@]}"
