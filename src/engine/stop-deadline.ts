import { PgforceError } from '../errors/pgforce-error.js'
import type { StopOptions } from './running-engine.js'

/** Why a run is asked to stop at its next safe point (the `signal` of its control). @internal */
export const STOPPING = new PgforceError(
  'ABORTED',
  'pgforce is stopping: no new Salesforce call is made',
)

/** Why a run's Salesforce calls in flight are given up (the `abandon` of its control). @internal */
export const ABANDONED = new PgforceError(
  'ABORTED',
  'pgforce stopped without waiting for this Salesforce call; its entries go back to NEW',
)

/**
 * When a stop gives up waiting (docs/spec/engine-lifecycle.md, "Stopping"): `abandon` runs at once
 * when not `graceful`, else after `timeoutMs` (10 s). Returns what cancels the deadline once the
 * runs ended. @internal
 */
export function stopDeadline(options: StopOptions, abandon: () => void): () => void {
  if (options.graceful === false) {
    abandon()
    return () => {}
  }
  const deadline = setTimeout(abandon, options.timeoutMs ?? 10_000)
  deadline.unref()
  return () => clearTimeout(deadline)
}
