#!/usr/bin/env bash
# Backs up the hard-cases database with the same CLI bundle under Node, Bun and Deno, and checks
# each run made one commit whose table files are the same blobs as Node's; then encrypts with age
# and decrypts under each runtime. Then runs `serve` under
# each runtime: a signed push webhook must become a published commit (bench/e2e.ts --smoke, with
# the GitHub emulator and s3rver), and SIGTERM must stop it with exit code 0.
set -euo pipefail
cd "$(dirname "$0")/.."
admin="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
db="tsnap_smoke_$$"
url="${admin%/*}/$db"
work=$(mktemp -d)
cleanup() { psql "$admin" -qXc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

psql "$admin" -qXc "CREATE DATABASE $db" >/dev/null
psql "$url" -qX -v ON_ERROR_STOP=1 -f test/fixtures/hard-cases.sql >/dev/null

tables_of() { git -C "$1" ls-tree -r HEAD | awk -F'\t' '$2 ~ /\/tables\// { split($1, m, " "); sub(/^backups\/latest\/latest_[^\/]*\//, "", $2); print $2, m[3] }' | sort; }

# The README's first command as a new user runs it: the machine's own PATH (its Node 20, no pnpm).
echo "-- ./tablesnap with PATH=/usr/bin:/bin"
env -i HOME="$HOME" PATH=/usr/bin:/bin TABLESNAP_DATABASE_URL="$url" \
  ./tablesnap backup --repo "$work/launcher" --no-custom-dump --quiet
[ "$(git -C "$work/launcher" rev-list --count HEAD)" = 1 ] || { echo "launcher: no commit" >&2; exit 1; }

# The bundle the launcher built (scripts/build-cli.ts): what users run, under each runtime.
bundle=services/cli/dist/main.js
[ -f "$bundle" ] || { echo "the launcher built no bundle at $bundle" >&2; exit 1; }
declare -A cmd=(
  [node]="node $bundle"
  [bun]="bun $bundle"
  [deno]="deno run --allow-all $bundle"
)
for rt in node bun deno; do
  echo "-- $rt"
  ${cmd[$rt]} backup --database-url "$url" --repo "$work/$rt" --no-custom-dump --source smoke --ref "$rt"
  [ "$(git -C "$work/$rt" rev-list --count HEAD)" = 1 ] || { echo "$rt: expected one commit" >&2; exit 1; }
  git -C "$work/$rt" fsck --no-progress --strict
  tables_of "$work/$rt" > "$work/$rt.tables"
  [ -s "$work/$rt.tables" ] || { echo "$rt: no table files" >&2; exit 1; }
done
diff "$work/node.tables" "$work/bun.tables" && diff "$work/node.tables" "$work/deno.tables" \
  || { echo "runtimes wrote different table files" >&2; exit 1; }
echo "smoke: node, bun and deno wrote the same $(wc -l < "$work/node.tables") table files"

# Encryption with age under each runtime: public's data encrypted, then every file decrypted and
# checked against its plaintext digest by the same runtime.
(cd packages/encryption && node --input-type=module -e '
  import { generateX25519Identity, identityToRecipient } from "age-encryption";
  const key = await generateX25519Identity();
  console.log(key);
  console.error(await identityToRecipient(key));') > "$work/key.txt" 2> "$work/recipient.txt"
for rt in node bun deno; do
  echo "-- $rt, encrypted"
  ${cmd[$rt]} backup --database-url "$url" --repo "$work/$rt-enc" --no-custom-dump --quiet \
    --encrypt-to "$(cat "$work/recipient.txt")" --encrypt 'public.*'
  # Listed to a file first: `grep -q` in a pipeline under pipefail fails when git gets SIGPIPE.
  git -C "$work/$rt-enc" ls-tree -r --name-only HEAD > "$work/$rt-enc.files"
  grep -q '/public/tables/.*/data\.sql\.age$' "$work/$rt-enc.files" \
    || { echo "$rt: no encrypted data file" >&2; exit 1; }
  ${cmd[$rt]} verify --repo "$work/$rt-enc" --identity "$work/key.txt" 2> "$work/$rt-enc.verify"
  if grep -q "not opened" "$work/$rt-enc.verify"; then echo "$rt: encrypted files not opened" >&2; exit 1; fi
done
echo "smoke: node, bun and deno encrypted with age and decrypted every file back"

for rt in node bun deno; do
  echo "-- serve under $rt"
  node bench/e2e.ts --rounds 1 --tables 3 --rows 100 --runtime "$rt" --cli "$PWD/$bundle" --smoke
done
echo "smoke: serve turned a webhook into a commit, served its dashboard and stopped on SIGTERM under node, bun and deno"
