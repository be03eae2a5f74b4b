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
    triggerLogDoorbellNotifySql(schema, false),
  ]
}

/**
 * Statements of schema version 16: `_pgforce_doorbell.listening_until`, and writers notify only
 * while it is in the future. An engine that LISTENs sets it when it opens the door and renews it
 * while it runs ({@link Doorbell}); when no engine has renewed it for 30 s (none runs, or none
 * LISTENs: a polling-only engine, `syncOnce()` from a cron job), writers skip the notify as they
 * do while the door is held, under the same shared lock, so the engine that next opens the door
 * pushes what they wrote (docs/concepts/design.md §5, "The doorbell"). Until then every write
 * paid for a notification nobody would hear: at 4 clients, about half the app's write rate.
 */
export function doorbellListeningSql(schema: string): string[] {
  return [
    format(
      'ALTER TABLE %I._pgforce_doorbell ADD COLUMN IF NOT EXISTS listening_until timestamptz',
      schema,
    ),
    triggerLogDoorbellNotifySql(schema, true),
  ]
}

/**
 * The doorbell's `tlog_notify_trigger()`: of schema version 12 ({@link doorbellSql}), or with
 * `listening` of version 16 ({@link doorbellListeningSql}).
 */
function triggerLogDoorbellNotifySql(schema: string, listening: boolean): string {
  const quiet = listening
    ? `rung_until > clock_timestamp()
                      OR listening_until IS NULL OR listening_until <= clock_timestamp()`
    : 'rung_until > clock_timestamp()'
  return format(
    `CREATE OR REPLACE FUNCTION %I.tlog_notify_trigger() RETURNS trigger LANGUAGE plpgsql AS $pgforce$
       BEGIN
         IF current_setting('xmlbinary') = 'hex' THEN RETURN NULL; END IF;
         IF current_setting('transaction_isolation') = 'read committed' THEN
           PERFORM pg_advisory_xact_lock_shared(%L::bigint);
           IF EXISTS (SELECT FROM %I._pgforce_doorbell WHERE %s) THEN
             RETURN NULL;
           END IF;
         END IF;
         PERFORM pg_notify(%L, 'ping');
         RETURN NULL;
       END $pgforce$`,
    schema,
    doorbellLockKey(schema),
    schema,
    quiet,
    triggerLogChannel(schema),
  )
}
