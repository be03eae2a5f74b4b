import type { ChangeSignal } from '../sources/change-source.js'

/** Whether a signal carries more than "look": records, a stream position, or a callback. */
export function informative(change: ChangeSignal): boolean {
  return (
    (change.recordIds?.length ?? 0) > 0 ||
    change.replayId !== undefined ||
    change.onCommitted !== undefined
  )
}

const WEIGHT: Partial<Record<ChangeSignal['reason'], number>> = { stream: 1, gap: 2, overflow: 3 }

/**
 * Two signals of one lane and channel as one, `later` having arrived last (signals held while
 * the engine is paused): the records of both, the later stream position (the higher CometD
 * replay id), the broader reason (`overflow` over `gap` over `stream`), and both callbacks.
 * @internal
 */
export function mergeSignals(earlier: ChangeSignal, later: ChangeSignal): ChangeSignal {
  const ids = [...new Set([...(earlier.recordIds ?? []), ...(later.recordIds ?? [])])]
  const replayId =
    typeof earlier.replayId === 'number' && typeof later.replayId === 'number'
      ? Math.max(earlier.replayId, later.replayId)
      : (later.replayId ?? earlier.replayId)
  const callbacks = [earlier.onCommitted, later.onCommitted].filter(
    (callback): callback is () => void => callback !== undefined,
  )
  return {
    ...earlier,
    ...later,
    reason:
      (WEIGHT[earlier.reason] ?? 0) > (WEIGHT[later.reason] ?? 0) ? earlier.reason : later.reason,
    ...(ids.length > 0 ? { recordIds: ids } : {}),
    ...(replayId === undefined ? {} : { replayId }),
    ...(callbacks.length > 0
      ? {
          onCommitted: () => {
            for (const callback of callbacks) callback()
          },
        }
      : {}),
  }
}

/**
 * Records a merged signal names at most: beyond, it names none and asks for a `gap` pull, which
 * follows the cursor (every record changed since, these included) instead of reading them by id,
 * and keeps their stream position and callbacks.
 */
export const MAX_NAMED_RECORDS = 2_000

/**
 * Signals of one lane as few: one per channel for those that carry something
 * ({@link informative}, merged with {@link mergeSignals}), one plain "look" per reason for the
 * others; a merged signal naming more than {@link MAX_NAMED_RECORDS} records becomes a `gap`
 * without ids.
 * Signals that gather while a lane waits (paused, out of budget, backing off) stay bounded by the
 * channels, not by the events. @internal
 */
export function compactSignals(signals: readonly ChangeSignal[]): ChangeSignal[] {
  const compact: ChangeSignal[] = []
  for (const change of signals) {
    if (!informative(change)) {
      if (!compact.some((c) => !informative(c) && c.reason === change.reason)) compact.push(change)
      continue
    }
    const same = compact.findIndex((c) => informative(c) && c.channel === change.channel)
    const earlier = compact[same]
    compact[same < 0 ? compact.length : same] = earlier ? mergeSignals(earlier, change) : change
  }
  return compact.map((change) => {
    if ((change.recordIds?.length ?? 0) <= MAX_NAMED_RECORDS) return change
    const { recordIds: _named, ...rest } = change
    return { ...rest, reason: change.reason === 'overflow' ? 'overflow' : 'gap' }
  })
}
