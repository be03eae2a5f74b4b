import { createHmac } from 'node:crypto'
import type { AlertOptions } from './operations-options.js'
import type { WarningAlert } from './warning-alert.js'

/** The header a webhook alert is signed in: `sha256=<hex HMAC-SHA256 of the body>`. */
export const SIGNATURE_HEADER = 'x-pgforce-signature'

/** Signs a webhook body with `secret` as the `X-Pgforce-Signature` header value. */
export function signAlert(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/**
 * Calls the alert hooks of `operations.alerts` for one alert: the function, then the webhook
 * (retried with a doubling delay from `baseDelayMs` on a network error or a 5xx answer). Rejects
 * with the last failure once retries are spent. @internal
 */
export async function sendAlert(
  options: AlertOptions,
  alert: WarningAlert,
  baseDelayMs = 500,
): Promise<void> {
  await options.onWarning?.(alert)
  const hook = options.webhook
  if (!hook) return
  const body = JSON.stringify(alert)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (hook.secret) headers[SIGNATURE_HEADER] = signAlert(body, hook.secret)
  const attempts = 1 + (hook.retries ?? 3)
  let last: unknown
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, baseDelayMs * 2 ** (attempt - 1)))
    let response: Response
    try {
      response = await fetch(hook.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(hook.timeoutMs ?? 5000),
      })
    } catch (error) {
      last = error
      continue
    }
    await response.body?.cancel()
    if (response.ok) return
    // The origin only: a chat webhook's path is its secret, and this message is logged.
    last = new Error(`alert webhook ${originOf(hook.url)} answered ${response.status}`)
    if (response.status < 500) break // the receiver refused it: retrying will not help
  }
  throw last instanceof Error ? last : new Error(String(last))
}

/** A URL's scheme, host and port, without the path or query that may hold a secret. */
function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return 'at its URL'
  }
}
