import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import format from 'pg-format'
import { NotificationListener } from '../postgres/notification-listener.js'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'
import { pullRequestChannel } from './pull-requests.js'

/** Options of {@link PullLeadership}. @internal */
export interface PullLeadershipOptions {
  /** How long a lease holds unrenewed (renewed every quarter of it). @default 15 000 */
  readonly leaseMs?: number
  /** Where the LISTEN for pull requests runs (a session of its own). @default the pool */
  readonly sessionPool?: PgPoolLike
}

/**
 * Decides which of several engines on one database pulls each mapping (docs/guides/running-in-production.md,
 * "Several workers"): a lease row per mapping in `_pgforce_pull_leader`, claimed, renewed and
 * released each in a statement of its own. Whoever holds the lease pulls; the others skip pulls
 * and try again now and then. A lease needs no session, so it holds through a transaction pooler
 * (PgBouncer), where session advisory locks are granted to whichever engine lands on the same
 * server connection, and released on another one.
 *
 * The holder renews its leases every quarter of `leaseMs` and stops leading by its own clock once
 * half of it passed without a renewal (counted from before the claim or renewal was sent, checked
 * every quarter), before the lease can expire in Postgres: two engines never lead one mapping at
 * once, even when renewals fail. `release()`
 * deletes its rows (another engine takes over at its next try); a worker that died leaves rows
 * another takes over once they expired. Pushes need no leader: they share the `_trigger_log` queue
 * through `SKIP LOCKED`.
 *
 * While it leads, it LISTENs for other engines' requests to pull a mapping now (`requestPull()`),
 * on the session pool (lost behind a pooler without a session connection: they are hints). When
 * that LISTEN is proven to receive (a probe, see `NotificationListener`), it is a session of
 * its own, and its server pid goes into the lease rows: a claimant takes over at once when that
 * process is gone (the leader died or lost its connection; the leader stops leading as soon as
 * it notices), rather than waiting for the lease to expire.
 * @internal
 */
export class PullLeadership {
  private readonly pool: PgPoolLike
  private readonly schema: string
  private readonly onChange: (object: string, leader: boolean) => void
  private readonly onPullRequest: ((object: string) => void) | undefined
  private readonly leaseMs: number
  private readonly sessionPool: PgPoolLike
  /** Who holds a lease: host, process and a random part (one per engine run). */
  private readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  /** Each led mapping, and when this engine stops counting on its lease (performance.now()). */
  private readonly led = new Map<string, number>()
  private readonly ledView = new Set<string>()
  private renewal: NodeJS.Timeout | undefined
  private listener: NotificationListener | undefined
  /** The session pid written in this engine's rows (its pull-request LISTEN connection). */
  private recordedPid: number | undefined
  private closed = false

  /**
   * @param onChange told when this engine takes or loses the lead of a mapping.
   * @param onPullRequest told when an engine asks for a pull of a mapping this engine leads.
   */
  constructor(
    pool: PgPoolLike,
    schema: string,
    onChange: (object: string, leader: boolean) => void,
    onPullRequest?: (object: string) => void,
    options: PullLeadershipOptions = {},
  ) {
    this.pool = pool
    this.schema = schema
    this.onChange = onChange
    this.onPullRequest = onPullRequest
    this.leaseMs = options.leaseMs ?? 15_000
    this.sessionPool = options.sessionPool ?? pool
  }

  /** The mappings (objects) this engine pulls. */
  get leading(): ReadonlySet<string> {
    this.expire()
    return this.ledView
  }

  /** Whether this engine pulls `object`: true when it holds the lease, or just took it. */
  async lead(object: string): Promise<boolean> {
    if (this.closed) return false
    this.expire()
    if (this.led.has(object)) return true
    const sent = performance.now()
    const { rows } = await this.pool.query<{ holder: string }>(
      format(
        `INSERT INTO %I._pgforce_pull_leader AS l (object, holder, expires_at)
         VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3))
         ON CONFLICT (object) DO UPDATE
           SET holder = excluded.holder, session_pid = NULL, acquired_at = now(),
               expires_at = excluded.expires_at
           WHERE l.holder = excluded.holder OR l.expires_at <= clock_timestamp()
              OR (l.session_pid IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = l.session_pid))
         RETURNING holder`,
        this.schema,
      ),
      [object.toLowerCase(), this.holder, this.leaseMs / 1000],
    )
    if (rows[0]?.holder !== this.holder) return false
    if (this.closed) {
      await this.giveUp([object])
      return false
    }
    const isNew = !this.led.has(object)
    this.led.set(object, sent + this.trustedMs)
    if (isNew) {
      this.ledView.add(object)
      this.onChange(object, true)
    }
    this.startRenewing()
    return true
  }

  /**
   * Gives up every lease (another engine takes over at its next try) and stops listening for
   * pull requests. `lead()` may take leases again.
   */
  async release(): Promise<void> {
    clearInterval(this.renewal)
    this.renewal = undefined
    this.listener?.stop()
    this.listener = undefined
    this.recordedPid = undefined
    const objects = [...this.led.keys()]
    for (const object of objects) this.lose(object)
    if (objects.length > 0) await this.giveUp(objects)
  }

  /** Releases everything and refuses to lead again. */
  async close(): Promise<void> {
    this.closed = true
    await this.release()
  }

  /** How long after sending a claim or renewal this engine counts on the lease. */
  private get trustedMs(): number {
    return this.leaseMs / 2
  }

  private startRenewing(): void {
    if (!this.renewal) {
      this.renewal = setInterval(() => void this.renew(), this.leaseMs / 4)
      this.renewal.unref()
    }
    if (this.onPullRequest && !this.listener) {
      const requests = pullRequestChannel(this.schema)
      this.listener = new NotificationListener({
        pool: this.sessionPool,
        probePool: this.pool,
        channel: requests,
        applicationName: `pgforce leader ${this.schema}`,
        onNotification: (object) => {
          if (object && this.led.has(object)) this.onPullRequest?.(object)
        },
        onState: (state) => {
          if (state === 'receiving') {
            void this.renew() // writes its pid in the lease rows
            return
          }
          // Its session ended (or, deaf, is not one): once its pid is gone from the server,
          // another engine may take over at once. Give up now; the next pull claims again.
          if (state === 'reconnecting' || this.recordedPid !== undefined) {
            this.recordedPid = undefined
            for (const object of [...this.led.keys()]) this.lose(object)
          }
        },
      })
      // A listener that cannot open keeps trying (its connection may be cut before it listened:
      // `reconnecting`, and this engine gives up as above); requests are hints meanwhile lost.
      this.listener.start({ keepTrying: true }).catch(() => {})
    }
  }

  private async renew(): Promise<void> {
    this.expire()
    const objects = [...this.led.keys()]
    if (objects.length === 0) return
    const sent = performance.now()
    const pid = this.listener?.sessionPid
    // Counted as written before it is: if the session drops meanwhile, this engine gives up.
    if (pid !== undefined) this.recordedPid = pid
    let renewed: Set<string>
    try {
      const { rows } = await this.pool.query<{ object: string }>(
        format(
          `UPDATE %I._pgforce_pull_leader
           SET expires_at = clock_timestamp() + make_interval(secs => $3), session_pid = $4
           WHERE holder = $1 AND object = ANY($2::varchar[]) RETURNING object`,
          this.schema,
        ),
        [this.holder, objects.map((o) => o.toLowerCase()), this.leaseMs / 1000, pid ?? null],
      )
      renewed = new Set(rows.map((r) => r.object))
    } catch {
      return // the lease runs on; expire() gives it up by this engine's clock
    }
    for (const object of objects) {
      if (!this.led.has(object)) continue
      if (renewed.has(object.toLowerCase())) this.led.set(object, sent + this.trustedMs)
      else this.lose(object)
    }
  }

  /** Stops leading what this engine can no longer count on (renewals failed). */
  private expire(): void {
    const now = performance.now()
    for (const [object, until] of this.led) if (until <= now) this.lose(object)
  }

  private lose(object: string): void {
    if (!this.led.delete(object)) return
    this.ledView.delete(object)
    this.onChange(object, false)
  }

  private async giveUp(objects: readonly string[]): Promise<void> {
    await this.pool
      .query(
        format(
          'DELETE FROM %I._pgforce_pull_leader WHERE holder = $1 AND object = ANY($2::varchar[])',
          this.schema,
        ),
        [this.holder, objects.map((o) => o.toLowerCase())],
      )
      .catch(() => {}) // the lease expires on its own
  }
}
