import type { EventEmitter } from 'eventemitter3'
import format from 'pg-format'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'
import type { ApiUsage } from '../salesforce/salesforce-types.js'
import type { EngineState } from './engine-lifecycle.js'
import type { PullReport, PushReport, SyncEngineEvents } from './sync-engine-events.js'

/** What one mapping is doing, as `engine.status()` reports it. */
export interface MappingStatus {
  readonly object: string
  readonly table: string
  readonly access: 'read_only' | 'read_write'
  /** The pull cursor: the last `(SystemModstamp, Id)` applied, if any. */
  readonly cursor: { readonly systemModstamp: string; readonly id: string } | undefined
  /** Entries waiting to be sent (NEW or PENDING). */
  readonly pending: number
  /** Entries Salesforce rejected, waiting for `retryFailed()` or `ignoreFailed()`. */
  readonly failed: number
  /**
   * Salesforce records Postgres refused (`pull:record-failed`), waiting in `_pgforce_pull_failure`
   * to be read again (when they change, every `pullFailureRetryMs`, or `retryPullFailures()`).
   */
  readonly pullFailed: number
  /** The oldest pending entry's capture time: how far behind the push is. */
  readonly oldestPendingAt: Date | undefined
  /** Milliseconds since the oldest pending entry was captured (0 when none is pending). */
  readonly pushLagMs: number
  /** Whether this engine leads the mapping's pulls (one engine does, among several workers). */
  readonly pullLeader: boolean
  /** Salesforce API calls this mapping's pulls and pushes made today (UTC), all workers. */
  readonly apiCallsToday: number
  readonly lastPull: (PullReport & { readonly at: Date }) | undefined
  readonly lastPush: (PushReport & { readonly at: Date }) | undefined
  /** The last failure of a pull or push, cleared by the next success. */
  readonly lastError:
    | { readonly at: Date; readonly direction: 'pull' | 'push'; readonly message: string }
    | undefined
}

/** `engine.status()`. */
export interface EngineStatus {
  readonly state: EngineState
  /** `engine.pause()` was called and `resume()` not yet. */
  readonly paused: boolean
  readonly mappings: readonly MappingStatus[]
  /** API usage from the last Salesforce response that reported it. */
  readonly apiUsage: ApiUsage | undefined
}

/** In-memory record of each mapping's recent runs, fed by the engine's events. @internal */
export class RunHistory {
  readonly pulls = new Map<string, PullReport & { at: Date }>()
  readonly pushes = new Map<string, PushReport & { at: Date }>()
  readonly errors = new Map<string, { at: Date; direction: 'pull' | 'push'; message: string }>()

  /** Listens to an engine's run events. */
  constructor(events: EventEmitter<SyncEngineEvents>) {
    events.on('pull:completed', (report) => this.completed(this.pulls, report))
    events.on('push:completed', (report) => this.completed(this.pushes, report))
    events.on('pull:failed', ({ mapping, error }) => this.failed(mapping, 'pull', error))
    events.on('push:failed', ({ mapping, error }) => this.failed(mapping, 'push', error))
  }

  private completed<R extends { mapping: string }>(
    runs: Map<string, R & { at: Date }>,
    report: R,
  ): void {
    runs.set(report.mapping, { ...report, at: new Date() })
    this.errors.delete(report.mapping)
  }

  private failed(mapping: string, direction: 'pull' | 'push', error: Error): void {
    this.errors.set(mapping, { at: new Date(), direction, message: error.message })
  }
}

/** Reads queue counts, refused records and cursors for every mapping in three queries. @internal */
export async function readStatus(
  pool: PgPoolLike,
  schema: string,
  plans: readonly MappingSchema[],
  history: RunHistory,
  live: {
    readonly leading: ReadonlySet<string>
    readonly callsToday: ReadonlyMap<string, number>
  },
): Promise<MappingStatus[]> {
  const queue = await pool.query<{
    table_name: string
    pending: number
    failed: number
    oldest: Date | null
  }>(
    format(
      `SELECT table_name,
              count(*) FILTER (WHERE state IN ('NEW', 'PENDING'))::int AS pending,
              count(*) FILTER (WHERE state = 'FAILED')::int AS failed,
              min(created_at) FILTER (WHERE state IN ('NEW', 'PENDING')) AS oldest
       FROM %I._trigger_log GROUP BY table_name`,
      schema,
    ),
  )
  const cursors = await pool.query<{
    table_name: string
    stamp: string | null
    last_id: string | null
  }>(
    format(
      `SELECT table_name, to_char(systemmodstamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS stamp, last_id
       FROM %I._pgforce_cursor WHERE name = 'pull'`,
      schema,
    ),
  )
  const refused = await pool.query<{ table_name: string; n: number }>(
    format(
      'SELECT table_name, count(*)::int AS n FROM %I._pgforce_pull_failure GROUP BY table_name',
      schema,
    ),
  )
  return plans.map((plan) => {
    const table = plan.mapping.table
    const counts = queue.rows.find((r) => r.table_name === table)
    const cursor = cursors.rows.find((r) => r.table_name === table)
    return {
      object: plan.object,
      table,
      access: plan.mapping.access,
      cursor:
        cursor?.stamp && cursor.last_id
          ? { systemModstamp: cursor.stamp, id: cursor.last_id }
          : undefined,
      pending: counts?.pending ?? 0,
      failed: counts?.failed ?? 0,
      pullFailed: refused.rows.find((r) => r.table_name === table)?.n ?? 0,
      oldestPendingAt: counts?.oldest ?? undefined,
      pushLagMs: counts?.oldest ? Math.max(0, Date.now() - counts.oldest.getTime()) : 0,
      pullLeader: live.leading.has(plan.object),
      apiCallsToday: live.callsToday.get(plan.object.toLowerCase()) ?? 0,
      lastPull: history.pulls.get(plan.object),
      lastPush: history.pushes.get(plan.object),
      lastError: history.errors.get(plan.object),
    }
  })
}
