/**
 * Every command's help, with no import: `tablesnap --help` and `<command> --help` load this
 * module alone, not the code of the commands.
 */

export const ENCRYPT_HELP = `  --encrypt-to RECIPIENT  encrypt with age to this public key (age1…; repeatable): every table's
                          data, roles.sql and the per-schema archives of their schemas
  --encrypt-to-file FILE  recipients from a file, one per line (repeatable)
  --encrypt S.T           encrypt only these tables' data (schema.table globs such as public.*
                          or auth.users; repeatable; default: every table)
  --encrypt-schema        encrypt those tables' schema.sql too (default: readable, so reviewers
                          still see structure diffs)`;

export const IDENTITY_HELP = `  --identity FILE         age identity file for encrypted files (repeatable; or
                          TABLESNAP_AGE_IDENTITY_FILE)`;

const STORAGE_ENDPOINT_HELP = `  --storage-endpoint URL  Supabase Storage's S3 endpoint (https://<ref>.supabase.co/storage/v1/s3,
                          or self-hosted); keys in STORAGE_S3_ACCESS_KEY and STORAGE_S3_SECRET_KEY
  --storage-region R      the project's region for S3 signing (default: us-east-1)`;

export const BACKUP_HELP = `Usage: tablesnap backup --database-url URL --repo DIR [options]
       tablesnap backup --database-url URL --github OWNER/REPO [--github-api-url URL] [options]
       tablesnap backup --database-url URL --git-remote URL [options]

Backs up a whole PostgreSQL database, at one point in time, into a git repository:
backups/latest/latest_<time>/ (one folder per table), the previous one moved to backups/archive/.

  --database-url URL      the database to back up (or TABLESNAP_DATABASE_URL); a URL with a
                          password only in the variable (or PGPASSWORD): the process list
                          shows command lines to every user
  --repo DIR              the backup repository on disk; created when missing
  --github OWNER/REPO     a GitHub repository, written through the REST API; credentials from
                          GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (or
                          GITHUB_APP_PRIVATE_KEY_FILE) with GITHUB_APP_INSTALLATION_ID optional
  --github-api-url URL    GitHub Enterprise Server (https://HOST/api/v3) or an emulator
                          (or GITHUB_API_URL; default https://api.github.com)
  --git-remote URL        any git remote (https, ssh, a path), pushed over the git protocol
                          with git's own credentials; for first backups too big for the API
  --work-dir DIR          where --github and --git-remote stage the dump (default:
                          TABLESNAP_WORK_DIR, else ~/.cache/tablesnap); kept there when the
                          publish fails
  --resume DIR            publish a dump kept by a failed run instead of dumping again
  --branch NAME           branch to commit to (default: main)
  --jobs N                tables copied at once (default: 2)
  --include-schema S      back up only these schemas (repeatable)
  --exclude-schema S      leave these schemas out (repeatable)
  --no-custom-dump        skip the per-schema pg_dump archive <schema>/<schema>.dump
  --role-passwords        keep role password hashes in roles.sql (off: no hash is ever written,
                          and restoring the roles says which need a password set; with
                          encryption on they are stored encrypted)
${ENCRYPT_HELP}
  --pg-bin DIR            folder with pg_dump and pg_dumpall (or TABLESNAP_PG_BIN)
${STORAGE_ENDPOINT_HELP}
  --storage-to DIR        with --storage-endpoint: keep the files here, once each by sha256
                          (never in git); unchanged files are not read again. The backup lists
                          every object in storage/buckets/<bucket>/objects.jsonl. With --encrypt
                          covering storage.objects, files and listings are stored encrypted
  --storage-bucket B      read only these buckets (repeatable; default: every bucket)
  --keep N                keep at least the newest N archives (default: 30)
  --keep-days D           keep every archive younger than D days (default: 30)
  --commit-unchanged      commit even when nothing changed since the latest backup (default:
                          such a run writes nothing and says which backup it matched)
  --max-file-bytes N      split files larger than N bytes into parts (default: 33554432)
  --source S              who triggered it: owner/repo, slack, cron, api, local (default: local)
  --event E               push | pr | schedule | manual (default: manual)
  --ref R                 commit sha, schedule name or user (default: $USER or "cli")
  --json                  print the result as JSON on stdout
  --quiet                 no progress on stderr

Exit codes: 0 done, 1 failed (nothing committed; with --github or --git-remote the dump is kept
and the message says where), 2 bad usage, 3 partial (some tables skipped, the rest committed),
130 interrupted (nothing committed).`;

export const VERIFY_HELP = `Usage: tablesnap verify <backup folder>
       tablesnap verify --repo DIR [--backup latest|<folder name>] [--branch main]

Re-hashes every file of a backup and compares it with its manifest.json: every file listed is
there with its size and sha256, nothing is there that is not listed, every table has its files.
One line per problem on stdout.

  <backup folder>         a backup folder (in a clone or a plain copy; symlinks are followed)
  --repo DIR              read the backup straight from git instead (no checkout needed)
  --backup NAME           latest (default), a latest_<time> folder or an archive folder name
  --branch NAME           the branch to read (default: main)
${IDENTITY_HELP}
                          without one, encrypted files are checked as stored (their sha256),
                          and the summary says how many were not opened
  --storage-from DIR      also re-hash the backup's Storage files kept in DIR against its listings
  --storage-sample N      with --storage-from: only N files picked at random (huge buckets)
  --json                  print the report as JSON

Exit codes: 0 every check holds, 1 a problem was found, 2 bad usage.`;

export const RESTORE_HELP = `Usage: tablesnap restore --from <backup folder> --database-url URL [options]
       tablesnap restore --repo DIR [--backup latest|<folder name>] --database-url URL [options]

Restores a backup into a database. Every file it will use is checked against manifest.json first;
on a missing or changed file it stops before writing anything. A whole restore needs an empty
database and runs in one transaction (unless --jobs > 1); --schema and --table restore parts of
it, replacing the rows of tables that already exist in one transaction.

  --from DIR              a backup folder (in a clone or a plain copy; symlinks are followed)
  --repo DIR              read the backup straight from git (no checkout needed)
  --backup NAME           with --repo: latest (default), a latest_<time> or an archive folder name
  --branch NAME           with --repo: the branch to read (default: main)
${IDENTITY_HELP}
  --database-url URL      the target database (postgres://user@host:port/database), or
                          TABLESNAP_RESTORE_URL; a URL with a password only there (or PGPASSWORD)
  --schema S              restore schema S: its objects and its tables (repeatable)
  --table S.T             restore table T of schema S (repeatable); a partitioned table brings
                          its partitions
  --no-deps               with --schema/--table: restore exactly what was named; by default the
                          types, domains, sequences, functions and schema it needs and the target
                          lacks come along (and are named)
  --jobs N                whole restore: load tables on N connections (default 1 = one transaction)
  --roles                 create the roles of roles.sql the target lacks (existing ones are left
                          as they are, and named)
  --supabase              treat the target as Supabase (detected when it has Supabase's schemas
                          and roles); --no-supabase turns detection off
  --dry-run               run the whole restore in a transaction and roll it back: every check
                          the real run makes (privileges, existing objects, foreign keys), the
                          plan printed, nothing written; it takes the real run's locks and time
  --storage               also put the backup's Storage files back (alone, without
                          --database-url on the command line: only the files; the variable
                          TABLESNAP_RESTORE_URL is not read then), each checked against its
                          sha256 first, with its content type, cache control and metadata; files
                          the target has with the same sha256 and metadata are left alone. The
                          report lists
                          storage.objects rows without a file and files without a row
${STORAGE_ENDPOINT_HELP}
  --storage-from DIR      with --storage: the folder the backup kept its files in (--storage-to)
  --bucket B              with --storage: only these buckets (repeatable)
  --prefix P              with --storage: only objects whose key starts with P
  --mirror                with --storage: also delete the target's objects the backup does not
                          have (under --prefix); --dry-run names them and changes nothing
  --json                  print the report as JSON on stdout
  --quiet                 no progress

Exit codes: 0 restored, 1 failed (nothing committed, or undone), 2 bad usage, 130 interrupted.`;

export const DRILL_HELP = `Usage: tablesnap drill --from <backup folder> --scratch-url URL [options]
       tablesnap drill --repo DIR [--backup latest|<folder name>] --scratch-url URL [options]

The automated restore test. Creates a throw-away database on the server of --scratch-url,
restores the backup into it, reads every restored table again with the same ordered COPY the
backup used, compares each table's sha256 and row count with manifest.json, and drops the
database. One line per table that does not match.

  --from DIR / --repo DIR --backup NAME --branch NAME    the backup, as for restore
${IDENTITY_HELP}
  --scratch-url URL       a server the drill may create a database on (its path is ignored), or
                          TABLESNAP_SCRATCH_URL; a URL with a password only there (or PGPASSWORD)
  --scratch-template NAME make the scratch database from this template (default template0); a
                          Supabase backup needs one shaped like a new project (see
                          docs/operations.md, "Restoring into Supabase")
  --schema S, --table S.T restore and compare only these (repeatable)
  --jobs N                connections (default 2)
  --roles                 create missing roles first (see restore --help)
  --keep                  leave the scratch database for inspection
  --storage-from DIR      also restore a random sample of the backup's Storage files (kept in
                          DIR) into a scratch bucket tablesnap-drill-<hex>, read each back and
                          compare sha256, size and metadata with the listing; the bucket is
                          removed after
${STORAGE_ENDPOINT_HELP}
  --storage-sample N      with --storage-from: how many files (default: 20)
  --json                  print the report as JSON on stdout
  --quiet                 no progress lines

Exit codes: 0 every table matches, 1 a mismatch or a failed restore, 2 bad usage.`;

export const DIFF_HELP = `Usage: tablesnap diff [--repo DIR | --github OWNER/REPO] [FROM] [TO] [options]

What changed between two backups, read from the backup repository alone (no database): tables
added and removed, and for each changed table its rows added, removed and changed, matched by
primary key (tables without one are compared as multisets of rows), and its schema.sql as a
unified diff. Streams: memory stays bounded whatever the size of a table.

  FROM, TO                backups as restore --backup names them: latest, latest_<time>, or an
                          archive folder name (default: the newest archive, and latest)
  --repo DIR              the backup repository (default: the current folder)
  --github OWNER/REPO     read a GitHub repository through the REST API instead (no clone),
                          with GITHUB_TOKEN or a GitHub App's credentials, as backup takes them
  --github-api-url URL    GitHub Enterprise Server or an emulator (or GITHUB_API_URL)
  --branch NAME           the branch to read (default: main)
${IDENTITY_HELP}
  --rows                  print every row added (+), removed (-) and changed (~ new, then the old)
  --json                  print the result as JSON

Exit codes: 0 done (changes or none), 1 failed, 2 bad usage.`;

export const KEYS_HELP = `Usage: tablesnap keys rotate --repo DIR --identity FILE --encrypt-to RECIPIENT [options]

Re-encrypts every encrypted file of the latest backup to a new set of recipients, in one commit
on the same folder. Archives keep the keys they had, and git history keeps the old ciphertext
until it is rewritten: see docs/operations.md "Retiring a key".

  --repo DIR              the backup repository on disk
  --branch NAME           the branch (default: main)
${IDENTITY_HELP}
                          a key that opens the backup now
  --encrypt-to RECIPIENT  who can open it after (repeatable); the whole new set, old keys you
                          keep included
  --encrypt-to-file FILE  recipients from a file, one per line (repeatable)

Exit codes: 0 re-keyed, 1 failed (nothing committed), 2 bad usage.`;

export const PRUNE_HELP = `Usage: tablesnap prune --repo DIR [options]
       tablesnap prune --github OWNER/REPO --force-push [--github-api-url URL] [options]

History rotation: squashes the branch's commits older than the retention into a new root
commit. The commits kept are written again with their trees, messages, authors and dates, so
every backup kept is unchanged; what only older commits held (archives retention removed) is
no longer reachable. Local repositories get that space back at once (unreachable objects are
removed, packs written again without them). Clones and forks keep the old history, and the
commit links recorded for earlier runs point at the old commits: see docs/operations.md
"History rotation".

  --repo DIR              the backup repository on disk
  --github OWNER/REPO     a GitHub repository (credentials as for backup; --github-api-url for
                          GHES or an emulator); one read and one write request per commit kept
  --force-push            allow replacing the GitHub branch by force (required with --github)
  --branch NAME           the branch (default: main)
  --keep N                keep at least the newest N commits (default: 30; 0: no limit by count)
  --keep-days D           keep every commit younger than D days (default: 30; 0: none by age)
  --keep-history          keep the old history on a branch tablesnap-history/<branch>/<time>
  --gc                    also search deltas between versions (git gc --prune=now): smaller,
                          slow (tens of seconds per GB of backups)
  --dry-run               say what would be squashed; change nothing
  --json                  print the result as JSON

A backup committed while prune runs is written again on top of the new history. On disk the
branch moves by compare-and-swap; GitHub's REST API has no such check for a forced update, so
a backup committed within that one request would be dropped: run it when no backup runs.

Exit codes: 0 pruned (or nothing to prune), 1 failed (the message says whether the branch
moved), 2 bad usage.`;

export const SERVE_HELP = `Usage: tablesnap serve

Runs the ingress, the coordinator, a dump worker, the publisher and the status API in one
process, with one HTTP port (PORT, default 8080) for the ingress and the status API.
Stops cleanly on SIGTERM or SIGINT.

Configuration comes from the environment (or a TABLESNAP_CONFIG file):
  TABLESNAP_DATABASE_URL, TABLESNAP_GITHUB_REPO   the target "default"
  TABLESNAP_STATE_URL                            PostgreSQL for tablesnap's own state (required)
  NATS_URL, TABLESNAP_NATS_PREFIX                NATS JetStream
  S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET   the artifact bucket (required)
  GITHUB_API_URL, GITHUB_TOKEN (or GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY)
  GITHUB_WEBHOOK_SECRET, SLACK_SIGNING_SECRET, SLACK_WEBHOOK_URL, TABLESNAP_API_TOKEN,
  TABLESNAP_VIEWER_TOKEN (read-only dashboard and status API tokens)
  TABLESNAP_DEBOUNCE (seconds, default 30), TABLESNAP_SCHEDULE (cron), PORT`;

export const USAGE = `Usage: tablesnap <command> [options]

Commands:
  backup    back up a whole database into a git repository (tablesnap backup --help)
  verify    check every file of a backup against its manifest (tablesnap verify --help)
  restore   restore a backup, whole or by schema or table (tablesnap restore --help)
  drill     restore into a throw-away database and compare with the manifest (tablesnap drill --help)
  diff      what changed between two backups: tables, rows, schema (tablesnap diff --help)
  keys      re-encrypt the latest backup to new age recipients (tablesnap keys --help)
  prune     squash history older than the retention, and free its space (tablesnap prune --help)
  serve     run the ingress, coordinator, workers, publisher and status API in one process (tablesnap serve --help)`;

export const HELP: Readonly<Record<string, string>> = {
  backup: BACKUP_HELP,
  verify: VERIFY_HELP,
  restore: RESTORE_HELP,
  drill: DRILL_HELP,
  keys: KEYS_HELP,
  prune: PRUNE_HELP,
  diff: DIFF_HELP,
  serve: SERVE_HELP,
};
