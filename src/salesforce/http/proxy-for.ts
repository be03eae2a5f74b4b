import { getProxyForUrl } from 'proxy-from-env'

/**
 * How pgforce reaches Salesforce through an HTTP proxy (the `proxy` adapter option):
 * - `undefined` (the default): the environment decides, as curl and axios read it:
 *   `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` (lower or upper case) and `NO_PROXY`;
 * - `false`: never use a proxy, whatever the environment says;
 * - a URL such as `'http://proxy.corp:3128'`: every request goes through it;
 * - `{ url, noProxy }`: through `url`, except hosts matching `noProxy` (the same rules as
 *   `NO_PROXY`: `host`, `host:port`, `.suffix` or `*.suffix`, and `*` for every host).
 *
 * Loopback hosts (`localhost`, `127.0.0.0/8`, `::1`) are always reached directly, so a local
 * `SalesforceEmulator` works with proxy variables set.
 */
export type ProxyOption =
  | string
  | false
  | { readonly url: string; readonly noProxy?: readonly string[] }

/**
 * The proxy a request to `url` goes through, or `undefined` for a direct connection: loopback →
 * direct; then the explicit `option`; else the environment (`proxy-from-env`). @internal
 */
export function proxyFor(url: string, option: ProxyOption | undefined): string | undefined {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    return undefined
  }
  if (isLoopback(target.hostname)) return undefined
  if (option === false) return undefined
  if (typeof option === 'string') return option
  if (option !== undefined) {
    const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80)
    return matchesNoProxy(target.hostname, port, option.noProxy ?? []) ? undefined : option.url
  }
  return getProxyForUrl(url) || undefined
}

/** Whether `hostname` (as `URL.hostname` spells it) is this machine. @internal */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === '::1' ||
    /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(host)
  )
}

/** `NO_PROXY` matching as `proxy-from-env` does it, for an explicit `noProxy` list. */
function matchesNoProxy(hostname: string, port: number, noProxy: readonly string[]): boolean {
  const host = hostname.toLowerCase()
  return noProxy.some((raw) => {
    const entry = raw.trim().toLowerCase()
    if (!entry) return false
    if (entry === '*') return true
    const parsed = /^(.+):(\d+)$/.exec(entry)
    const entryHost = parsed?.[1] ?? entry
    if (parsed && Number(parsed[2]) !== port) return false
    if (!/^[.*]/.test(entryHost)) return host === entryHost
    return host.endsWith(entryHost.replace(/^\*/, ''))
  })
}
