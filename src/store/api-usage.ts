import format from 'pg-format'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'

/**
 * `_pgforce_api_usage`: Salesforce API calls per UTC day and object (`*` for the whole
 * connection), shared by every worker on the database. Calls are taken from a budget with one
 * conditional upsert per budget row, so concurrent workers can never spend more than it
 * (docs/guides/running-in-production.md, "API budget"). @internal
 */
export class ApiUsageStore {
  private readonly pool: PgPoolLike
  private readonly schema: string
  private tableExists = false

  constructor(pool: PgPoolLike, schema: string) {
    this.pool = pool
    this.schema = schema
  }

  /** Whether the usage table exists yet (before `install()` it does not). */
  async installed(): Promise<boolean> {
    if (this.tableExists) return true
    const { rows } = await this.pool.query<{ exists: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS exists',
      [format('%I._pgforce_api_usage', this.schema)],
    )
    this.tableExists = rows[0]?.exists === true
    return this.tableExists
  }

  /**
   * Takes `calls` from today's row of the connection (`*`, within `total`) and of `object` (within
   * `budget`), in one transaction: both or neither. Returns the calls used today after taking
   * them, or which budget refused (`undefined` for that side): nothing is taken then.
   */
  async take(
    object: string,
    calls: number,
    total: number | undefined,
    budget: number | undefined,
  ): Promise<{ total: number | undefined; object: number | undefined }> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      // The day's row is created by the first call; a call past the budget returns no row.
      const spend = async (row: string, limit: number | undefined) => {
        const { rows } = await client.query<{ calls: number }>(
          format(
            `INSERT INTO %1$I._pgforce_api_usage AS u (day, object, calls)
             SELECT (now() AT TIME ZONE 'UTC')::date, $1::text, $2::int WHERE $3::bigint IS NULL OR $2::int <= $3::bigint
             ON CONFLICT (day, object) DO UPDATE SET calls = u.calls + excluded.calls
               WHERE $3::bigint IS NULL OR u.calls + excluded.calls <= $3::bigint
             RETURNING calls::int`,
            this.schema,
          ),
          [row, calls, limit ?? null],
        )
        return rows[0]?.calls
      }
      const usedTotal = await spend('*', total)
      const usedObject = usedTotal === undefined ? undefined : await spend(object, budget)
      await client.query(usedObject === undefined ? 'ROLLBACK' : 'COMMIT')
      return { total: usedTotal, object: usedObject }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }

  /** Adds calls made without a budget (by lower-cased object) to today's rows and to `*`. */
  async add(calls: ReadonlyMap<string, number>): Promise<void> {
    const entries = [...calls]
    await this.pool.query(
      format(
        `INSERT INTO %I._pgforce_api_usage (day, object, calls)
         SELECT (now() AT TIME ZONE 'UTC')::date, o, c FROM unnest($1::text[], $2::int[]) AS u(o, c)
         UNION ALL SELECT (now() AT TIME ZONE 'UTC')::date, '*', $3::int
         ON CONFLICT (day, object) DO UPDATE SET calls = _pgforce_api_usage.calls + excluded.calls`,
        this.schema,
      ),
      [entries.map(([o]) => o), entries.map(([, c]) => c), entries.reduce((n, [, c]) => n + c, 0)],
    )
  }

  /** Calls made today (UTC), by lower-cased object (`*` for the connection). */
  async today(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ object: string; calls: number }>(
      format(
        `SELECT object, calls::int FROM %I._pgforce_api_usage WHERE day = (now() AT TIME ZONE 'UTC')::date`,
        this.schema,
      ),
    )
    return new Map(rows.map((r) => [r.object, r.calls]))
  }
}
