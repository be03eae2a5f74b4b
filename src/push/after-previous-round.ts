import type { ChangeEntry, EntryResult } from '../strategies/write-strategy.js'

/** A round that ran while the next claim was made: its entries and their outcomes. @internal */
export interface FinishedRound {
  readonly entries: readonly ChangeEntry[]
  readonly results: readonly EntryResult[]
}

/**
 * A claim made while `previous` ran, brought up to date with its outcomes before it is sent
 * (docs/concepts/delivery-guarantees.md): the claim may hold later changes of records the previous
 * round was sending. Entries of a record whose change in `previous` did not go through (rejected,
 * deferred, held back, or without an outcome) are `behind` it: they wait, as a record's later
 * changes wait within a round. Entries of a record `previous` inserted get the sfid it was given
 * (the claim read the row before its commit).
 * @internal
 */
export function afterPreviousRound(
  claimed: readonly ChangeEntry[],
  previous: FinishedRound,
): { entries: ChangeEntry[]; behind: Set<number> } {
  const outcomes = new Map(previous.results.map((r) => [r.entryId, r]))
  const stopped = new Set<number>()
  const sfids = new Map<number, string>()
  for (const entry of previous.entries) {
    const result = outcomes.get(entry.id)
    const through =
      result?.outcome === 'success' || result?.outcome === 'merged' || result?.outcome === 'ignored'
    if (!through) stopped.add(entry.recordId)
    else if (result?.outcome === 'success' && result.sfid && entry.action !== 'DELETE')
      sfids.set(entry.recordId, result.sfid)
  }
  const behind = new Set<number>()
  const entries = claimed.map((entry) => {
    if (stopped.has(entry.recordId)) behind.add(entry.id)
    const sfid = sfids.get(entry.recordId)
    return entry.sfid === null && sfid !== undefined ? { ...entry, sfid } : entry
  })
  return { entries, behind }
}
