import type { OptionReader } from '../config/option-reader.js'
import type { WarningAlert } from './warning-alert.js'

/** Where warnings are sent when they start and end (docs/guides/monitoring.md, "Alerts"). */
export interface AlertOptions {
  /**
   * Called when a warning starts and when it ends, once across all workers (the worker that
   * opened or closed the warning's row calls it). A rejection becomes an `error` event.
   */
  readonly onWarning?: (alert: WarningAlert) => void | Promise<void>
  /**
   * POSTs each alert as JSON to `url`, signed with `X-Pgforce-Signature: sha256=<hex HMAC of the
   * body with secret>` when `secret` is set, retried on a network error or a 5xx answer.
   */
  readonly webhook?: {
    readonly url: string
    readonly secret?: string
    /** Attempts after the first. @default 3 */
    readonly retries?: number
    /** Per-attempt timeout. @default 5000 */
    readonly timeoutMs?: number
  }
}

/** How a running engine follows the shared pause switch and raises warnings. */
export interface OperationsOptions {
  /** How often a running engine reads the pause switch (`pgforce pause`). @default 1000 */
  readonly controlPollMs?: number
  /** How often a running engine checks for backlog ageing and schema drift. @default 30 000 */
  readonly warningCheckMs?: number
  /** Age of the oldest unsent change past which `backlog-ageing` starts (RED at 4×). @default 600 000 */
  readonly backlogWarningMs?: number
  /** Failed runs of a mapping in a row past which `repeated-failures` starts. @default 3 */
  readonly repeatedFailures?: number
  /** Where warnings go when they start and end. */
  readonly alerts?: AlertOptions
}

/** Operations options after defaults. @internal */
export interface ResolvedOperationsOptions {
  readonly controlPollMs: number
  readonly warningCheckMs: number
  readonly backlogWarningMs: number
  readonly repeatedFailures: number
  readonly alerts: AlertOptions
}

/** Validates `operations` into `read`'s problems and fills in defaults. @internal */
export function resolveOperationsOptions(
  read: OptionReader,
  options: OperationsOptions | undefined,
): ResolvedOperationsOptions {
  const o = options ?? {}
  type Numeric = 'controlPollMs' | 'warningCheckMs' | 'backlogWarningMs' | 'repeatedFailures'
  const int = (name: Numeric, fallback: number, min: number) =>
    (read.integer(`operations.${name}`, o[name] ?? fallback, { min }) as number | undefined) ??
    fallback
  const alerts = o.alerts ?? {}
  if (alerts.onWarning !== undefined) read.func('operations.alerts.onWarning', alerts.onWarning)
  if (alerts.webhook !== undefined) {
    const url = read.string('operations.alerts.webhook.url', alerts.webhook.url)
    if (url !== undefined && !/^https?:\/\//.test(url))
      read.problem('operations.alerts.webhook.url', 'an http(s) URL', url)
    if (alerts.webhook.retries !== undefined)
      read.integer('operations.alerts.webhook.retries', alerts.webhook.retries, { min: 0 })
  }
  return {
    controlPollMs: int('controlPollMs', 1000, 0),
    warningCheckMs: int('warningCheckMs', 30_000, 0),
    backlogWarningMs: int('backlogWarningMs', 600_000, 1000),
    repeatedFailures: int('repeatedFailures', 3, 1),
    alerts,
  }
}
