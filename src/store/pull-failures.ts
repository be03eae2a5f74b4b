import format from 'pg-format'
import { type DueRecords, dueRecords } from './due-records.js'
import type { Queryable } from './queryable.js'

/** Which refused Salesforce records `engine.retryPullFailures()` applies to. All of them when empty. */
export interface PullFailureFilter {
  /** Only records of these objects' mappings (API names, e.g. `Account`). */
  readonly objects?: readonly string[]
  /** Only these Salesforce record ids (18 characters, as `_pgforce_pull_failure.sfid` holds them). */
  readonly sfids?: readonly string[]
}

/** Why Postgres refused one Salesforce record. */
export interface RecordRefusal {
  readonly sfid: string
  /** The refused version's SystemModstamp (ISO instant), if the record had one. */
  readonly systemModstamp: string | undefined
  readonly sqlState: string
  readonly message: string
}

/** A refusal once recorded in `_pgforce_pull_failure`: how many attempts have failed so far. */
export interface PullRecordFailure extends RecordRefusal {
  readonly attempts: number
}

/** A record's row in `_pgforce_pull_failure`, as a page looks it up. */
export interface FailingRecord {
  /** SystemModstamp of the version that failed (ISO instant), or `null`. */
  readonly systemModstamp: string | null
  /** Its retry is due: `next_attempt_at` has passed (or an operator asked for it). */
  readonly due: boolean
}

/**
 * `_pgforce_pull_failure`: Salesforce records Postgres refused, per mapped table, with when they
 * are due to be read again (docs/concepts/delivery-guarantees.md). Writes happen in the
 * transaction that applies the rest of their page. @internal
 */
export class PullFailureStore {
  private readonly db: Queryable
  private readonly schema: string

  constructor(db: Queryable, schema: string) {
    this.db = db
    this.schema = schema
  }

  /**
   * What a pull needs to know of a table's refused records before it starts: whether there are any
   * (only then do pages look them up), and up to `limit` whose retry is due, longest waiting first.
   */
  due(table: string, limit: number): Promise<DueRecords> {
    const from = { relation: '_pgforce_pull_failure', dueColumn: 'next_attempt_at' }
    return dueRecords(this.db, this.schema, from, table, limit)
  }

  /** Whether `table` has records Postgres refused with one of these SQLSTATEs. */
  async anyWith(table: string, sqlStates: readonly string[]): Promise<boolean> {
    const { rows } = await this.db.query<{ any: boolean }>(
      format(
        `SELECT EXISTS (SELECT 1 FROM %I._pgforce_pull_failure
                        WHERE table_name = $1 AND sql_state = ANY($2::text[])) AS any`,
        this.schema,
      ),
      [table, sqlStates],
    )
    return rows[0]?.any === true
  }

  /** The rows of `_pgforce_pull_failure` among `sfids`, in the caller's transaction. */
  async among(table: string, sfids: readonly string[]): Promise<Map<string, FailingRecord>> {
    if (sfids.length === 0) return new Map()
    const { rows } = await this.db.query<{ sfid: string; stamp: string | null; due: boolean }>(
      format(
        `SELECT sfid, to_char(systemmodstamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS stamp,
                next_attempt_at <= now() AS due
         FROM %I._pgforce_pull_failure WHERE table_name = $1 AND sfid = ANY($2::varchar[])`,
        this.schema,
      ),
      [table, sfids],
    )
    return new Map(rows.map((r) => [r.sfid, { systemModstamp: r.stamp, due: r.due }]))
  }

  /**
   * Records refusals in the caller's transaction (the one that commits the page's other records):
   * a new row per record, or the existing one updated (`attempts` + 1). The next retry is due
   * `retryMs` from now. Returns each refusal with its attempt count.
   */
  async record(
    table: string,
    refusals: readonly RecordRefusal[],
    retryMs: number,
  ): Promise<PullRecordFailure[]> {
    if (refusals.length === 0) return []
    const { rows } = await this.db.query<{ sfid: string; attempts: number }>(
      format(
        `INSERT INTO %I._pgforce_pull_failure AS f (table_name, sfid, systemmodstamp, sql_state,
           message, first_failed_at, last_failed_at, next_attempt_at, attempts)
         SELECT $1, u.sfid, u.stamp::timestamptz AT TIME ZONE 'UTC', u.state, u.message, now(), now(),
                now() + make_interval(secs => $6::float8), 1
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u(sfid, stamp, state, message)
         ON CONFLICT (table_name, sfid) DO UPDATE SET
           systemmodstamp = excluded.systemmodstamp, sql_state = excluded.sql_state,
           message = excluded.message, last_failed_at = excluded.last_failed_at,
           next_attempt_at = excluded.next_attempt_at, attempts = f.attempts + 1
         RETURNING sfid, attempts`,
        this.schema,
      ),
      [
        table,
        refusals.map((r) => r.sfid),
        refusals.map((r) => r.systemModstamp ?? null),
        refusals.map((r) => r.sqlState),
        refusals.map((r) => r.message),
        retryMs / 1000,
      ],
    )
    const attempts = new Map(rows.map((r) => [r.sfid, Number(r.attempts)]))
    return refusals.map((r) => ({ ...r, attempts: attempts.get(r.sfid) ?? 1 }))
  }

  /** Removes records from `_pgforce_pull_failure`, in the caller's transaction. */
  async clear(table: string, sfids: readonly string[]): Promise<void> {
    if (sfids.length === 0) return
    await this.db.query(
      format(
        'DELETE FROM %I._pgforce_pull_failure WHERE table_name = $1 AND sfid = ANY($2::varchar[])',
        this.schema,
      ),
      [table, sfids],
    )
  }

  /**
   * Makes the retry of refused records due now (all of `tables`, or only `sfids` among them), so the
   * next pull of each table reads them again. Returns how many were found.
   */
  async requestRetry(
    tables: readonly string[],
    sfids: readonly string[] | undefined,
  ): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ table_name: string; n: number }>(
      format(
        `WITH marked AS (
           UPDATE %I._pgforce_pull_failure SET next_attempt_at = now()
           WHERE table_name = ANY($1::text[]) AND ($2::text[] IS NULL OR sfid = ANY($2::text[]))
           RETURNING table_name)
         SELECT table_name, count(*)::int AS n FROM marked GROUP BY table_name`,
        this.schema,
      ),
      [tables, sfids ?? null],
    )
    return new Map(rows.map((r) => [r.table_name, r.n]))
  }
}
