import { createHash } from 'node:crypto'
import format from 'pg-format'
import { triggerLogChannel } from './system-tables-sql.js'

/**
 * The advisory lock key of a schema's doorbell: a fixed bigint (decimal text) from the first 8
 * bytes of SHA-256 of `<schema>.pgforce_doorbell`, so schemas on one database do not share it.
 * Writers take it shared while they skip the notify; an engine takes it exclusive to reopen the
 * door (docs/concepts/design.md §5, "The doorbell").
 */
export function doorbellLockKey(schema: string): string {
  const digest = createHash('sha256').update(`${schema}.pgforce_doorbell`).digest()
  return digest.readBigInt64BE(0).toString()
}

/**
 * Statements of schema version 12: `_pgforce_doorbell` (one row: `rung_until`, set while an engine
 * drains the trigger log) and the trigger log's notify that skips `pg_notify` while the door is
 * held. `pg_notify` makes Postgres commit notifying transactions one at a time (a database-wide
 * lock from pre-commit through commit); while an engine is already draining, the notification
 * tells it nothing, so writers at READ COMMITTED skip it. They take the doorbell's advisory lock
 * shared first and keep it to their commit: the engine reopens the door only with the lock
 * exclusive, so only after every writer that skipped has committed, and then pushes once more.
 * A transaction at REPEATABLE READ or SERIALIZABLE reads the row in a snapshot that may predate
 * the reopening, so it always notifies. The engine's own transactions (`xmlbinary = 'hex'`)
 * never notify (schema version 8).
 */
export function doorbellSql(schema: string): string[] {
  return [
    format(
      `CREATE TABLE IF NOT EXISTS %I._pgforce_doorbell (
         singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), rung_until timestamptz)`,
      schema,
    ),
    format('INSERT INTO %I._pgforce_doorbell DEFAULT VALUES ON CONFLICT DO NOTHING', schema),
    triggerLogDoorbellNotifySql(schema),
  ]
}

/** The doorbell's `tlog_notify_trigger()` (see {@link doorbellSql}). */
function triggerLogDoorbellNotifySql(schema: string): string {
  return format(
    `CREATE OR REPLACE FUNCTION %I.tlog_notify_trigger() RETURNS trigger LANGUAGE plpgsql AS $pgforce$
       BEGIN
         IF current_setting('xmlbinary') = 'hex' THEN RETURN NULL; END IF;
         IF current_setting('transaction_isolation') = 'read committed' THEN
           PERFORM pg_advisory_xact_lock_shared(%L::bigint);
           IF EXISTS (SELECT FROM %I._pgforce_doorbell WHERE rung_until > clock_timestamp()) THEN
             RETURN NULL;
           END IF;
         END IF;
         PERFORM pg_notify(%L, 'ping');
         RETURN NULL;
       END $pgforce$`,
    schema,
    doorbellLockKey(schema),
    schema,
    triggerLogChannel(schema),
  )
}
