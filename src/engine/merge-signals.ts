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
