import format from 'pg-format'
import { captureHelpersSql } from './capture-helpers-sql.js'
import { doorbellListeningSql, doorbellSql } from './doorbell-sql.js'
import { systemTablesSql, triggerLogNotifySql } from './system-tables-sql.js'

/** One step of the schema-level migration: the statements that bring version `n - 1` to `n`. */
export interface Migration {
  readonly version: number
  readonly description: string
  statements(schema: string): string[]
}

/**
 * Schema-level migrations, oldest first. A schema without `_pgforce_schema` (new, or left by Heroku
 * Connect) is at version 0. Every statement is idempotent, so re-running one is harmless. Add a
 * step at the end when the layout changes; never edit a released one.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'Heroku Connect system tables, trigger-log notify, pgforce bookkeeping',
    statements: systemTablesSql,
  },
  {
    version: 2,
    description: 'Daily Salesforce API usage per mapping, shared by all workers',
    statements: (schema) => [
      format(
        `CREATE TABLE IF NOT EXISTS %I._pgforce_api_usage (
           day date NOT NULL, object text NOT NULL, calls bigint NOT NULL DEFAULT 0,
           PRIMARY KEY (day, object))`,
        schema,
      ),
    ],
  },
  {
    version: 3,
    description:
      'Insert fences as lease rows (no session locks: they hold behind a transaction pooler); failed entries indexed',
    statements: (schema) => [
      format(
        `CREATE TABLE IF NOT EXISTS %I._pgforce_insert_fence (
           id bigserial PRIMARY KEY, table_name varchar(128) NOT NULL,
           expires_at timestamptz NOT NULL)`,
        schema,
      ),
      format(
        'CREATE INDEX IF NOT EXISTS _pgforce_insert_fence_idx_table ON %I._pgforce_insert_fence (table_name)',
        schema,
      ),
      // Claims skip records with a FAILED entry (their later changes wait behind it).
      format(
        `CREATE INDEX IF NOT EXISTS _trigger_log_idx_failed ON %I._trigger_log (table_name, record_id)
         WHERE state = 'FAILED'`,
        schema,
      ),
    ],
  },
  {
    version: 4,
    description:
      'Salesforce records Postgres refused (a value no column can take), set aside per record for retry',
    statements: (schema) => [
      format(
        `CREATE TABLE IF NOT EXISTS %I._pgforce_pull_failure (
           table_name varchar(128) NOT NULL, sfid varchar(18) NOT NULL,
           systemmodstamp timestamp, sql_state varchar(5) NOT NULL, message text NOT NULL,
           first_failed_at timestamptz NOT NULL DEFAULT now(),
           last_failed_at timestamptz NOT NULL DEFAULT now(),
           next_attempt_at timestamptz NOT NULL DEFAULT now(),
           attempts integer NOT NULL DEFAULT 1,
           PRIMARY KEY (table_name, sfid))`,
        schema,
      ),
      // Each pull looks up the retries that are due, per table.
      format(
        `CREATE INDEX IF NOT EXISTS _pgforce_pull_failure_idx_due
         ON %I._pgforce_pull_failure (table_name, next_attempt_at)`,
        schema,
      ),
    ],
  },
  {
    version: 5,
    description:
      "Heroku Connect's hc_capture_*_from_row() helpers; the operator states REQUEUE and IGNORE found through the queue index",
    statements: (schema) => [
      ...captureHelpersSql(schema),
      // The queue index also covers the states operators set by hand (REQUEUE, IGNORE), which
      // every claim looks for; queries on NEW/PENDING still use it.
      format('DROP INDEX IF EXISTS %I._trigger_log_idx_queue', schema),
      format(
        `CREATE INDEX _trigger_log_idx_queue ON %I._trigger_log (table_name, id)
         WHERE state IN ('NEW', 'PENDING', 'REQUEUE', 'IGNORE')`,
        schema,
      ),
      format(
        `CREATE INDEX IF NOT EXISTS _trigger_log_archive_idx_operator
         ON %I._trigger_log_archive (table_name) WHERE state IN ('REQUEUE', 'IGNORE')`,
        schema,
      ),
    ],
  },
  {
    version: 6,
    description:
      'Columns added to a mapping (or restored in Salesforce) wait to be loaded for existing rows',
    statements: (schema) => [
      format(
        `CREATE TABLE IF NOT EXISTS %I._pgforce_backfill (
           table_name varchar(128) NOT NULL, column_name text NOT NULL,
           requested_at timestamptz NOT NULL DEFAULT now(), last_id varchar(18),
           PRIMARY KEY (table_name, column_name))`,
        schema,
      ),
    ],
  },
  {
    version: 7,
    description:
      'Pull leadership as lease rows (one per mapping) instead of session advisory locks, so it holds behind a transaction pooler',
    statements: (schema) => [
      // A row is a lease: its holder renews expires_at while it leads, deletes it when it stops;
      // a holder that died leaves a row another engine takes over once it expired, or at once
      // when session_pid (the holder's own session, when it has one) is gone.
      format(
        `CREATE TABLE IF NOT EXISTS %I._pgforce_pull_leader (
           object varchar(128) PRIMARY KEY, holder text NOT NULL, session_pid integer,
           acquired_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL)`,
        schema,
      ),
    ],
  },
  {
    version: 8,
    description:
      "The trigger log's NOTIFY skips the engine's own transactions: an idle engine's empty claims no longer wake every engine for another push",
    statements: (schema) => [triggerLogNotifySql(schema)],
  },
  {
    version: 9,
    description:
      'One Salesforce session per login, shared by all workers (encrypted with the login credentials)',
    statements: (schema) => [
      format(
        `CREATE TABLE IF NOT EXISTS %I._pgforce_token (
           key text PRIMARY KEY, sealed bytea NOT NULL, logins bigint NOT NULL DEFAULT 1,
           refreshed_at timestamptz NOT NULL DEFAULT now())`,
        schema,
      ),
      format('REVOKE ALL ON %I._pgforce_token FROM PUBLIC', schema),
    ],
  },
  {
    version: 10,
    description:
      'Operations: a pause switch every worker follows, and the warnings workers raise (budget, stream, failures, backlog, drift)',
    statements: (schema) => [
      format(
        `CREATE TABLE IF NOT EXISTS %I._pgforce_control (
           singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
           paused boolean NOT NULL DEFAULT false, changed_by text,
           changed_at timestamptz NOT NULL DEFAULT now())`,
        schema,
      ),
      format(
        `CREATE TABLE IF NOT EXISTS %I._pgforce_warning (
           id bigserial PRIMARY KEY, kind text NOT NULL, mapping text NOT NULL DEFAULT '',
           level text NOT NULL, message text NOT NULL,
           started_at timestamptz NOT NULL DEFAULT now(),
           updated_at timestamptz NOT NULL DEFAULT now(), ended_at timestamptz)`,
        schema,
      ),
      // One open warning per kind and mapping, whichever worker raises it.
      format(
        `CREATE UNIQUE INDEX IF NOT EXISTS _pgforce_warning_idx_open
         ON %I._pgforce_warning (kind, mapping) WHERE ended_at IS NULL`,
        schema,
      ),
    ],
  },
  {
    version: 11,
    description:
      'Pub/Sub replay ids are stored as the opaque bytes Salesforce sent (beside the numeric CometD ones)',
    statements: (schema) => [
      format('ALTER TABLE %I._pgforce_cursor ADD COLUMN IF NOT EXISTS replay_bytes bytea', schema),
    ],
  },
  {
    version: 12,
    description:
      "The trigger log's doorbell: app writes skip the NOTIFY (which commits notifying transactions one at a time) while an engine drains the log",
    statements: doorbellSql,
  },
  {
    version: 13,
    description:
      "NEW entries indexed by record: a settle finds a record's newer changes among the round's records, not in the whole queue",
    statements: (schema) => [
      // Only NEW entries (what a settle looks for, docs/concepts/performance.md "Pushes"): one
      // more index entry per captured change, against a settle that read every waiting entry of
      // the table (44 ms per 400-entry round at 200 000 queued). A claim's queries name other
      // states, so the planner cannot take this index for them (with the statistics of an empty
      // log, a broader one made every claim read the whole queue once per candidate).
      format(
        `CREATE INDEX IF NOT EXISTS _trigger_log_idx_new_by_record
           ON %I._trigger_log (table_name, record_id) WHERE state = 'NEW'`,
        schema,
      ),
    ],
  },
  {
    version: 14,
    description:
      'Records a pull read while a push of theirs was in flight, to read again once it settles',
    statements: (schema) => [
      // docs/concepts/delivery-guarantees.md, "A pull reads a record while a push of it is in
      // flight": written in the transaction of the page that read them, read by id when due.
      format(
        `CREATE TABLE IF NOT EXISTS %I._pgforce_pull_recheck (
           table_name varchar(128) NOT NULL, sfid varchar(18) NOT NULL,
           due_at timestamptz NOT NULL, attempts integer NOT NULL DEFAULT 1,
           PRIMARY KEY (table_name, sfid))`,
        schema,
      ),
    ],
  },
  {
    version: 15,
    description:
      'Archived entries indexed by when they settled: a backfill finds the pushes settled while it read',
    statements: (schema) => [
      // A BRIN index (block ranges): entries are archived in the order they settle, so the recent
      // ones are the last blocks, and the index costs a settle next to nothing (a B-tree would
      // take an entry per archived change). `UnsentChangeStore.waitingColumns` reads it.
      format(
        `CREATE INDEX IF NOT EXISTS _trigger_log_archive_idx_processed_at
           ON %I._trigger_log_archive USING brin (processed_at)`,
        schema,
      ),
    ],
  },
  {
    version: 16,
    description:
      'App writes notify only while an engine LISTENs: with none running, they no longer pay for notifications nobody hears',
    statements: doorbellListeningSql,
  },
]

/** The version an up-to-date schema is at. */
export const SCHEMA_VERSION = MIGRATIONS.length
