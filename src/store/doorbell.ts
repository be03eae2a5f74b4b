import format from 'pg-format'
import { doorbellLockKey } from '../postgres/install/doorbell-sql.js'
import { triggerLogChannel } from '../postgres/install/system-tables-sql.js'
import type { Queryable } from './queryable.js'

/** How long a held door lasts unless its holder refreshes it: an engine that died reopens it. */
export const DOOR_HOLD_MS = 30_000

/**
 * How long an engine's word that it LISTENs lasts unless renewed: once no engine renewed it for
 * this long (none runs, or none LISTENs), writers stop notifying.
 */
export const LISTENING_MS = 30_000

/** What {@link Doorbell.renew} found. */
export interface Renewal {
  /**
   * Renewed. `false`: writers that may skip the notify are in flight (they hold the doorbell's
   * lock); try again shortly.
   */
  readonly renewed: boolean
  /**
   * The word had run out: writers may have skipped the notify since, and those that did are
   * committed once `renewed` (else some may still be in flight): push either way.
   */
  readonly lapsed: boolean
}

/**
 * `_pgforce_doorbell`: whether app writes ring the engine (`pg_notify`) when they capture a
 * change (docs/concepts/design.md §5, "The doorbell"). An engine that drains the trigger log
 * holds the door (`hold()`): until `rung_until`, writers at READ COMMITTED skip the notify, which
 * would make their commits queue behind each other's. When the queue is empty it reopens it
 * (`release()`), which succeeds only once every writer that skipped has committed: after it the
 * engine pushes once more, so no entry waits for a notification that was never sent. Writers
 * also skip it when no engine said it LISTENs for the last `LISTENING_MS` (`listening_until`):
 * opening the door says so, and an engine renews it while it runs (`renew()`, under the same
 * lock). Every statement is one autocommit transaction with transaction-scoped locks, so it works
 * behind a transaction pooler. @internal
 */
export class Doorbell {
  private readonly db: Queryable
  private readonly schema: string
  private readonly key: string

  constructor(db: Queryable, schema: string) {
    this.db = db
    this.schema = schema
    this.key = doorbellLockKey(schema)
  }

  /**
   * Holds the door for `holdMs` from now: writers stop notifying (the row is made if missing).
   * The holder LISTENs: its word that it does lasts at least as long (an engine that dies holding
   * the door leaves writers quiet, not ringing nobody).
   */
  async hold(holdMs: number = DOOR_HOLD_MS): Promise<void> {
    await this.db.query(
      format(
        `INSERT INTO %I._pgforce_doorbell AS d (singleton, rung_until, listening_until)
         VALUES (true, now() + make_interval(secs => $1 / 1000.0), now() + make_interval(secs => $1 / 1000.0))
         ON CONFLICT (singleton) DO UPDATE SET rung_until = EXCLUDED.rung_until,
           listening_until = greatest(d.listening_until, EXCLUDED.listening_until)`,
        this.schema,
      ),
      [holdMs],
    )
  }

  /**
   * Renews this engine's word that it LISTENs, for `listeningMs` from now, once no writer that
   * may have skipped the notify is in flight (the lock taken exclusive, without waiting). See
   * {@link Renewal}: after `lapsed`, every change written without a notify is committed, and the
   * engine pushes once more.
   */
  async renew(listeningMs: number = LISTENING_MS): Promise<Renewal> {
    const { rows } = await this.db.query<{ taken: boolean; lapsed: boolean }>(
      format(
        `WITH lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock($1::bigint) AS taken),
           door AS MATERIALIZED (SELECT listening_until FROM %1$I._pgforce_doorbell),
           renewed AS (UPDATE %1$I._pgforce_doorbell
                       SET listening_until = greatest(listening_until, now() + make_interval(secs => $2 / 1000.0))
                       WHERE (SELECT taken FROM lock))
         SELECT taken, NOT coalesce((SELECT listening_until > clock_timestamp() FROM door), false) AS lapsed
         FROM lock`,
        this.schema,
      ),
      [this.key, listeningMs],
    )
    return { renewed: rows[0]?.taken === true, lapsed: rows[0]?.lapsed !== false }
  }

  /**
   * Reopens the door if no writer that skipped the notify is still in flight (the doorbell's lock
   * taken exclusive, without waiting: writers hold it shared to their commit). `false`: some are;
   * try again shortly, and push meanwhile. `true`: writers notify again, and every change
   * captured without a notify is committed, visible to the next claim. With `ring`, a door that
   * reopens also notifies the engines, on its commit: an engine that stops rings for the changes
   * it will not drain itself. Unless `listening` is false (an engine that stops), reopening also
   * says this engine LISTENs, for `LISTENING_MS`. With `force`, it reopens (and rings) without
   * the lock: for an engine that stops while writers keep the lock taken, so that the other
   * engines are not left unrung for the rest of the hold; a writer still in flight then has its
   * change pushed by the next notification.
   */
  async release(ring = false, listening = true, force = false): Promise<boolean> {
    // One statement, one transaction: the lock is held from here to its commit, a moment in which
    // writers wait. Tried even when the row is missing (writers then notify anyway).
    const { rows } = await this.db.query<{ taken: boolean }>(
      format(
        `WITH lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock($1::bigint) OR $6 AS taken),
           reopened AS (UPDATE %I._pgforce_doorbell SET rung_until = NULL,
                          listening_until = CASE WHEN $4 THEN greatest(listening_until,
                            now() + make_interval(secs => $5 / 1000.0)) ELSE listening_until END
                        WHERE (SELECT taken FROM lock))
         SELECT taken FROM lock
         LEFT JOIN LATERAL (SELECT pg_notify($2, 'ping') WHERE taken AND $3) AS rang ON true`,
        this.schema,
      ),
      [this.key, triggerLogChannel(this.schema), ring, listening, LISTENING_MS, force],
    )
    return rows[0]?.taken === true
  }

  /** When the door opens again (`undefined`: open), for status and tests. */
  async heldUntil(): Promise<Date | undefined> {
    const { rows } = await this.db.query<{ rung_until: Date | null }>(
      format(
        'SELECT rung_until FROM %I._pgforce_doorbell WHERE rung_until > clock_timestamp()',
        this.schema,
      ),
    )
    return rows[0]?.rung_until ?? undefined
  }
}
