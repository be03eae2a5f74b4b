import format from 'pg-format'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'

/** Options of {@link HeldClaims}. @internal */
export interface HeldClaimsOptions {
  readonly pool: PgPoolLike
  readonly schema: string
  /** How long a claim holds without a renewal (`pushLeaseMs`). */
  readonly leaseMs: number
}

/**
 * How many leases a claim is renewed for at most: a round that never ends (a write strategy that
 * ignores its abort signal) gives its entries up to another worker after this, as it did before
 * claims were renewed after one lease.
 */
export const MAX_HELD_LEASES = 12

/** The longest interval Node's timers take (a longer one fires every millisecond). */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * The `_trigger_log` entries this worker has claimed and not yet settled or given back, each with
 * the transaction that claimed it (`processed_tx`, which says whose claim an entry is). While any
 * are held they are renewed every third of the lease, so a lease runs out only for a worker that
 * died (or lost its database for that long), never for one whose round, or whose batch claimed
 * ahead of a round, simply takes long — up to {@link MAX_HELD_LEASES} leases. `takeUp()` checks,
 * before a batch goes out, which of its entries are still this worker's
 * (docs/concepts/delivery-guarantees.md, "Claims and leases").
 * @internal
 */
export class HeldClaims {
  private readonly options: HeldClaimsOptions
  /** Entry id → the claiming transaction and when it was claimed (`Date.now()`). */
  private readonly held = new Map<number, { readonly tx: string; readonly since: number }>()
  private renewal: NodeJS.Timeout | undefined
  private renewing = false

  constructor(options: HeldClaimsOptions) {
    this.options = options
  }

  /** Entries claimed by transaction `tx`: held (and renewed) from now on. */
  add(ids: readonly number[], tx: string): void {
    const since = Date.now()
    for (const id of ids) this.held.set(id, { tx, since })
    if (this.held.size > 0 && !this.renewal) {
      this.renewal = setInterval(
        () => {
          // One renewal at a time: a slow database does not pile them up in the pool.
          if (this.renewing) return
          this.renewing = true
          void this.renew()
            .catch(() => {}) // a missed renewal only shortens the lease; the next one retries
            .finally(() => {
              this.renewing = false
            })
        },
        Math.min(this.options.leaseMs / 3, MAX_TIMER_MS),
      )
      this.renewal.unref()
    }
  }

  /** The claiming transaction of each of `ids` this worker holds (the others are left out). */
  claimsOf(ids: readonly number[]): { ids: number[]; txs: string[] } {
    const held = { ids: [] as number[], txs: [] as string[] }
    for (const id of ids) {
      const claim = this.held.get(id)
      if (claim === undefined) continue
      held.ids.push(id)
      held.txs.push(claim.tx)
    }
    return held
  }

  /** The claim (claiming transaction's id) `id` is held under, if this worker holds it. */
  claimOf(id: number): string | undefined {
    return this.held.get(id)?.tx
  }

  /** No longer held: settled, given back, or found to be another worker's. */
  drop(ids: readonly number[]): void {
    for (const id of ids) this.held.delete(id)
    if (this.held.size === 0 && this.renewal) {
      clearInterval(this.renewal)
      this.renewal = undefined
    }
  }

  /**
   * Renews the claims of `ids` and returns those still this worker's: an entry another worker
   * claimed once its lease ran out is dropped, and must not be sent. Entries another session has
   * locked are waited for, in id order (the order a pull locks them in).
   */
  async takeUp(ids: readonly number[]): Promise<Set<number>> {
    const claims = this.claimsOf(ids)
    const kept = await this.extend(claims, 'ORDER BY e.id FOR UPDATE OF e')
    this.drop(claims.ids.filter((id) => !kept.has(id)))
    return kept
  }

  /**
   * Renews every held claim that no other session has locked (an entry being settled is skipped:
   * its claim ends with that commit). Claims another worker took meanwhile are left alone; claims
   * held for {@link MAX_HELD_LEASES} leases are no longer renewed, and expire.
   */
  async renew(): Promise<void> {
    const oldest = Date.now() - MAX_HELD_LEASES * this.options.leaseMs
    this.drop([...this.held].filter(([, claim]) => claim.since < oldest).map(([id]) => id))
    const claims = this.claimsOf([...this.held.keys()])
    if (claims.ids.length > 0) await this.extend(claims, 'FOR UPDATE OF e SKIP LOCKED')
  }

  /** Moves `updated_at` of the entries still claimed by `claims`' transactions; their ids. */
  private async extend(
    claims: { ids: number[]; txs: string[] },
    locking: 'ORDER BY e.id FOR UPDATE OF e' | 'FOR UPDATE OF e SKIP LOCKED',
  ): Promise<Set<number>> {
    const { rows } = await this.options.pool.query<{ id: string }>(
      format(
        `UPDATE %1$I._trigger_log AS l SET updated_at = now()
         WHERE l.id IN (
           SELECT e.id FROM %1$I._trigger_log AS e
           JOIN unnest($1::bigint[], $2::bigint[]) AS u(id, tx) ON e.id = u.id
           WHERE e.processed_tx = u.tx AND e.state = 'PENDING'
           %2$s)
         RETURNING l.id`,
        this.options.schema,
        locking,
      ),
      [claims.ids, claims.txs],
    )
    return new Set(rows.map((row) => Number(row.id)))
  }
}
