import type { Dispatcher } from 'undici'
import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import { toSalesforceApiError } from '../jsforce/jsforce-error.js'
import { loadUndici, type UndiciModule } from '../load-http-stack.js'

/** A Bayeux message as the Streaming API sends and receives it. @internal */
export interface BayeuxMessage {
  readonly channel: string
  readonly id?: string
  readonly clientId?: string
  readonly successful?: boolean
  readonly error?: string
  readonly subscription?: string
  readonly advice?: {
    readonly reconnect?: string
    readonly interval?: number
    readonly timeout?: number
  }
  readonly ext?: Readonly<Record<string, unknown>>
  readonly data?: Readonly<Record<string, unknown>>
  readonly [key: string]: unknown
}

/** One POST of Bayeux messages. @internal */
export interface BayeuxRequest {
  readonly messages: readonly BayeuxMessage[]
  /** Sent as `Authorization: OAuth <token>`. */
  readonly accessToken: string
  /** Give up (rejecting with `ETIMEDOUT`) after this long. */
  readonly timeoutMs: number
  /** Aborts the request (the subscription closing). */
  readonly signal?: AbortSignal
}

/** How a CometD client sends messages; {@link CometdHttpTransport} over HTTP. @internal */
export interface BayeuxTransport {
  /** POSTs the messages and returns the server's replies; rejects with a `SalesforceApiError`. */
  send(request: BayeuxRequest): Promise<BayeuxMessage[]>
  /** Closes every socket. */
  close(): Promise<void>
}

/**
 * Bayeux long-polling over undici for one streaming client: JSON arrays POSTed to
 * `/cometd/<version>`, cookies kept between requests (Salesforce's load balancer routes a client by
 * them), a proxy chosen per URL by `proxyFor`, and its own connection pool, destroyed by `close()`
 * so that nothing is left open. @internal
 */
export class CometdHttpTransport implements BayeuxTransport {
  private readonly url: () => string
  private readonly proxyFor: (url: string) => string | undefined
  private readonly cookies = new Map<string, string>()
  private undici: UndiciModule | undefined
  private pool: { readonly proxy: string; readonly dispatcher: Dispatcher } | undefined
  private closed = false

  /**
   * @param url The endpoint, read at each request (`<instanceUrl>/cometd/<version>`).
   * @param proxyFor The proxy for a URL, `undefined` for a direct connection.
   */
  constructor(url: () => string, proxyFor: (url: string) => string | undefined) {
    this.url = url
    this.proxyFor = proxyFor
  }

  async send(request: BayeuxRequest): Promise<BayeuxMessage[]> {
    if (!this.undici) this.undici = await loadUndici()
    const undici = this.undici
    const url = this.url()
    const controller = new AbortController()
    // Made when the timer fires, not per request: a long poll returns with every event batch, and
    // an error captures its stack when it is made.
    let timeout: SalesforceApiError | undefined
    const timer = setTimeout(() => {
      timeout = new SalesforceApiError(
        `The Streaming API did not answer within ${request.timeoutMs} ms`,
        { errorCode: 'ETIMEDOUT', retryable: true },
      )
      controller.abort(timeout)
    }, request.timeoutMs)
    timer.unref()
    const abort = () => controller.abort(request.signal?.reason)
    request.signal?.addEventListener('abort', abort, { once: true })
    try {
      request.signal?.throwIfAborted()
      const response = await undici.fetch(url, {
        method: 'POST',
        headers: {
          Authorization: `OAuth ${request.accessToken}`,
          'Content-Type': 'application/json;charset=UTF-8',
          Accept: 'application/json',
          ...(this.cookies.size > 0 ? { Cookie: this.cookieHeader() } : {}),
        },
        body: JSON.stringify(request.messages),
        dispatcher: this.dispatcher(undici, url),
        signal: controller.signal,
      })
      for (const cookie of response.headers.getSetCookie()) this.keepCookie(cookie)
      if (!response.ok) {
        await response.body?.cancel()
        throw httpError(response.status)
      }
      const body = (await response.json()) as BayeuxMessage | BayeuxMessage[]
      return Array.isArray(body) ? body : [body]
    } catch (error) {
      if (timeout && controller.signal.reason === timeout) throw timeout
      throw toSalesforceApiError(error, `Streaming API request to ${url} failed`)
    } finally {
      clearTimeout(timer)
      request.signal?.removeEventListener('abort', abort)
    }
  }

  async close(): Promise<void> {
    this.closed = true
    const pool = this.pool
    this.pool = undefined
    await pool?.dispatcher.destroy()
  }

  private dispatcher(undici: UndiciModule, url: string): Dispatcher {
    if (this.closed)
      throw new SalesforceApiError('The streaming client is closed', { errorCode: 'ABORTED' })
    const proxy = this.proxyFor(url) ?? ''
    if (this.pool?.proxy !== proxy) {
      void this.pool?.dispatcher.destroy()
      this.pool = {
        proxy,
        dispatcher: proxy ? new undici.ProxyAgent({ uri: proxy }) : new undici.Agent(),
      }
    }
    return this.pool.dispatcher
  }

  private keepCookie(header: string): void {
    const pair = header.split(';', 1)[0] ?? ''
    const equals = pair.indexOf('=')
    if (equals > 0) this.cookies.set(pair.slice(0, equals).trim(), pair.slice(equals + 1).trim())
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

function httpError(status: number): SalesforceApiError {
  return status === 401
    ? new SalesforceApiError('The Streaming API refused the session (HTTP 401)', {
        errorCode: 'INVALID_SESSION_ID',
        statusCode: 401,
      })
    : new SalesforceApiError(`The Streaming API answered HTTP ${status}`, {
        errorCode: `ERROR_HTTP_${status}`,
        statusCode: status,
      })
}
