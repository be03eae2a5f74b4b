import format from 'pg-format'
import { derivedName } from './derived-name.js'

/**
 * The NOTIFY channel the trigger log pings, as Heroku Connect names it: `<schema>.hc_trigger_log`,
 * shortened with a hash (see `derivedName()`) for a schema name over 48 bytes: Postgres refuses a
 * longer channel in `pg_notify()` (which would fail every captured write) and cuts it in `LISTEN`.
 */
export function triggerLogChannel(schema: string): string {
  return derivedName('', schema, '.hc_trigger_log')
}

/**
 * Statements of schema version 1: the schema, Heroku Connect's system tables (`_trigger_log`,
 * `_trigger_log_archive`, `_hcmeta`, `_sf_event_log`) with their columns and index names, the
 * `pg_notify` trigger on `_trigger_log`, `public.get_xmlbinary()` for custom triggers written for
 * Heroku Connect, and pgforce's own bookkeeping tables. Every statement is idempotent, so existing
 * Heroku Connect schemas are adopted, not replaced.
 */
export function systemTablesSql(schema: string): string[] {
  const s = (fmt: string, ...args: string[]) => format(fmt, schema, ...args)
  const logColumns = `
    txid bigint,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    processed_at timestamptz,
    processed_tx bigint,
    state varchar(8),
    action varchar(7),
    table_name varchar(128),
    record_id integer,
    sfid varchar(18),
    old text,
    "values" text,
    sf_result integer,
    sf_message text`
  return [
    'CREATE EXTENSION IF NOT EXISTS hstore',
    s('CREATE SCHEMA IF NOT EXISTS %I'),
    `CREATE OR REPLACE FUNCTION public.get_xmlbinary() RETURNS varchar
       LANGUAGE sql STABLE AS $pgforce$ SELECT current_setting('xmlbinary')::varchar $pgforce$`,
    s(`CREATE TABLE IF NOT EXISTS %I._hcmeta (
         id serial PRIMARY KEY, hcver integer, org_id varchar(50), details text)`),
    s(`CREATE TABLE IF NOT EXISTS %I._trigger_log (id bigserial PRIMARY KEY, ${logColumns})`),
    // Every index here costs every captured write, so the live log keeps only what the queue
    // needs: this one, the FAILED entries by record (version 3) and the NEW ones by record
    // (version 13; migrations.ts); the archive has Heroku Connect's others.
    s(`CREATE INDEX IF NOT EXISTS _trigger_log_idx_queue ON %I._trigger_log (table_name, id)
         WHERE state IN ('NEW', 'PENDING')`),
    s(`CREATE TABLE IF NOT EXISTS %I._trigger_log_archive (id bigint PRIMARY KEY, ${logColumns})`),
    s(
      'CREATE INDEX IF NOT EXISTS _trigger_log_archive_idx_created_at ON %I._trigger_log_archive (created_at)',
    ),
    s(
      'CREATE INDEX IF NOT EXISTS _trigger_log_archive_idx_record_id ON %I._trigger_log_archive (record_id)',
    ),
    s(`CREATE INDEX IF NOT EXISTS _trigger_log_archive_idx_state_table_name ON %I._trigger_log_archive (state, table_name)
         WHERE state = 'FAILED'`),
    s(`CREATE TABLE IF NOT EXISTS %I._sf_event_log (
         id serial PRIMARY KEY, table_name varchar(128), action varchar(7),
         synced_at timestamptz DEFAULT now(), sf_timestamp timestamptz, sfid varchar(20),
         record text, processed boolean)`),
    s(
      'CREATE INDEX IF NOT EXISTS _sf_event_log_idx_table_name_synced_at ON %I._sf_event_log (table_name, synced_at)',
    ),
    s('CREATE INDEX IF NOT EXISTS _sf_event_log_idx_sfid ON %I._sf_event_log (sfid)'),
    triggerLogNotifySql(schema),
    // One notify per statement, and Postgres folds identical notifies within a transaction: a
    // transaction that captures many rows wakes the engine once.
    s(
      `CREATE OR REPLACE TRIGGER tlog_insert_trigger AFTER INSERT ON %I._trigger_log
         FOR EACH STATEMENT EXECUTE FUNCTION %I.tlog_notify_trigger()`,
      schema,
    ),
    s(`CREATE TABLE IF NOT EXISTS %I._pgforce_schema (
         singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
         version integer NOT NULL, pgforce_version text NOT NULL,
         installed_at timestamptz NOT NULL DEFAULT now(), upgraded_at timestamptz NOT NULL DEFAULT now())`),
    s(`CREATE TABLE IF NOT EXISTS %I._pgforce_mapping (
         table_name varchar(128) PRIMARY KEY, object_name text NOT NULL, access text NOT NULL,
         columns jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`),
    s(`CREATE TABLE IF NOT EXISTS %I._pgforce_cursor (
         table_name varchar(128) NOT NULL, name text NOT NULL,
         systemmodstamp timestamp, last_id varchar(18), replay_id bigint, channel text,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (table_name, name))`),
  ]
}

/**
 * The function `tlog_insert_trigger` runs: one NOTIFY per statement that wrote to the trigger log,
 * except in the engine's own transactions (`xmlbinary = 'hex'`). A statement trigger fires even
 * when a statement inserts no row, and every push's claim holds an INSERT (operators' REQUEUE
 * copies) that is almost always empty: notifying there woke every listening engine for another
 * push, whose claim notified again, some 60 empty pushes a second on an idle engine. What the engine
 * writes to the log itself it pushes in the same pass (docs/concepts/design.md §5).
 */
export function triggerLogNotifySql(schema: string): string {
  return format(
    `CREATE OR REPLACE FUNCTION %I.tlog_notify_trigger() RETURNS trigger LANGUAGE plpgsql AS $pgforce$
       BEGIN
         IF current_setting('xmlbinary') IS DISTINCT FROM 'hex' THEN PERFORM pg_notify(%L, 'ping'); END IF;
         RETURN NULL;
       END $pgforce$`,
    schema,
    triggerLogChannel(schema),
  )
}
