import type { Connection, HttpRequest, HttpRequestOptions } from 'jsforce'
import type { Transport } from 'jsforce/lib/transport.js'

/** Picks the proxy for a request URL, `undefined` for a direct connection. @internal */
export type ProxyDecision = (url: string) => string | undefined

/**
 * A jsforce `Transport` that decides per request whether to use a proxy, and makes no retries of
 * its own:
 * - jsforce itself sends every request through the proxy it read from the environment when it was
 *   imported, loopback and `NO_PROXY` hosts included (salesforce-wire.md §0.2). It merges
 *   `{ ...defaults, ...options }` and connects directly when `httpProxy` is empty, so an explicit
 *   `''` overrides its default;
 * - jsforce retries failed GETs five times over ~15 s on its own, unseen by pgforce's retry policy,
 *   its backoff and its API budget, and out of reach of `engine.stop()` (a program could not exit
 *   until they ended). pgforce's retry table decides instead (docs/reference/errors.md).
 * `Base` is jsforce's `Transport` class, loaded lazily by the caller. @internal
 */
export function proxyAwareTransport(Base: typeof Transport, decide: ProxyDecision): Transport {
  class ProxyAwareTransport extends Base {
    override httpRequest(req: HttpRequest, options: HttpRequestOptions = {}) {
      return super.httpRequest(req, {
        ...options,
        httpProxy: decide(req.url) ?? '',
        retry: { ...options.retry, maxRetries: 0 },
      })
    }
  }
  return new ProxyAwareTransport()
}

/**
 * Routes every request of `conn` through {@link proxyAwareTransport}: REST, Bulk and SOAP login go
 * through `conn._transport`, OAuth 2 login and session refresh through `conn.oauth2._transport`.
 * @internal
 */
export function routeThroughProxies(
  conn: Connection,
  Base: typeof Transport,
  decide: ProxyDecision,
): void {
  const transport = proxyAwareTransport(Base, decide)
  conn._transport = transport
  conn.oauth2._transport = transport
}
