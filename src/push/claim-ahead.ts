import type { TriggerLogQueue } from '../store/trigger-log-queue.js'

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
