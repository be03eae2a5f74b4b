import type { TriggerLogQueue } from '../store/trigger-log-queue.js'
import type { ChangeEntry } from '../strategies/write-strategy.js'

/** What a claim gives. @internal */
export type Claim = Awaited<ReturnType<TriggerLogQueue['claim']>>

/** A claim made ahead, while a round runs (see `SalesforcePush`). @internal */
export interface Ahead {
  settled(): Promise<Claim>
  giveBack(queue: TriggerLogQueue): Promise<void>
}

/**
 * A claim under way while a round runs: `settled()` is its outcome (throws if it failed),
 * `giveBack()` returns what it claimed to NEW when the push ends before using it (never rejects).
 * @internal
 */
export function ahead(claiming: Promise<Claim>): Ahead {
  const outcome = claiming.then(
    (claim) => ({ claim }),
    (error: unknown) => ({ error }),
  )
  return {
    async settled(): Promise<Claim> {
      const result = await outcome
      if ('error' in result) throw result.error
      return result.claim
    },
    async giveBack(queue: TriggerLogQueue): Promise<void> {
      const result = await outcome
      if ('claim' in result)
        await queue.release(result.claim.entries.map((e) => e.id)).catch(() => {}) // retried before the next claim
    },
  }
}

/**
 * The entries of a batch still this worker's as it goes out (docs/concepts/delivery-guarantees.md,
 * "Claims and leases"). Claims are renewed while held, but a batch that waited more than a third
 * of the lease is checked (`takeUp`): entries another worker took over, when renewals failed for a
 * whole lease, are dropped, and the same records' later entries in the batch are `behind` them
 * (they wait, as behind a rejected change). If the check fails the batch is given back.
 * @internal
 */
export async function stillOurs(
  queue: TriggerLogQueue,
  entries: readonly ChangeEntry[],
  claimedAt: number,
  leaseMs: number,
): Promise<{ entries: ChangeEntry[]; behind: number[] }> {
  if (entries.length === 0 || Date.now() - claimedAt <= leaseMs / 3)
    return { entries: [...entries], behind: [] }
  const ids = entries.map((e) => e.id)
  const kept = await queue.takeUp(ids).catch(async (error: unknown) => {
    await queue.release(ids).catch(() => {})
    throw error
  })
  const lost = new Set(entries.filter((e) => !kept.has(e.id)).map((e) => e.recordId))
  const ours = entries.filter((e) => kept.has(e.id))
  return { entries: ours, behind: ours.filter((e) => lost.has(e.recordId)).map((e) => e.id) }
}
