import type { HttpRequest, HttpRequestOptions } from 'jsforce'
import type { Transport } from 'jsforce/lib/transport.js'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, JsforceAdapter } from '../../../src/index.js'
import { isLoopback, proxyFor } from '../../../src/salesforce/http/proxy-for.js'
import { proxyAwareTransport } from '../../../src/salesforce/jsforce/proxy-aware-transport.js'
import { clearProxyEnv } from '../../support/proxy-env.js'

const ORG = 'https://acme.my.salesforce.com/services/data/v60.0/query'
const PROXY = 'http://proxy.corp:3128'

afterEach(() => {
  clearProxyEnv()
  delete process.env.NO_PROXY
  delete process.env.no_proxy
})

describe('proxyFor', () => {
  it('never proxies loopback hosts, whatever the option or the environment says', () => {
    process.env.HTTP_PROXY = PROXY
    for (const url of [
      'http://127.0.0.1:4000/cometd/60.0',
      'http://127.8.9.10/',
      'http://localhost:80/',
      'http://api.localhost/',
      'http://[::1]:4000/',
      'http://[::ffff:127.0.0.1]/',
    ]) {
      expect(proxyFor(url, undefined), url).toBeUndefined()
      expect(proxyFor(url, PROXY), url).toBeUndefined()
      expect(proxyFor(url, { url: PROXY }), url).toBeUndefined()
    }
    expect(isLoopback('128.0.0.1')).toBe(false)
    expect(isLoopback('localhost.example.com')).toBe(false)
  })

  it('uses the environment by default: HTTPS_PROXY for https, HTTP_PROXY for http, NO_PROXY', () => {
    expect(proxyFor(ORG, undefined)).toBeUndefined()
    process.env.HTTPS_PROXY = PROXY
    expect(proxyFor(ORG, undefined)).toBe(PROXY)
    expect(proxyFor('http://acme.example.com/', undefined)).toBeUndefined()
    process.env.http_proxy = 'http://plain:8080'
    expect(proxyFor('http://acme.example.com/', undefined)).toBe('http://plain:8080')
    process.env.NO_PROXY = 'example.com,.salesforce.com'
    expect(proxyFor(ORG, undefined)).toBeUndefined()
    expect(proxyFor('http://example.com/', undefined)).toBeUndefined()
    expect(proxyFor('http://acme.example.com/', undefined)).toBe('http://plain:8080')
    process.env.NO_PROXY = '*'
    expect(proxyFor(ORG, undefined)).toBeUndefined()
  })

  it('lets an explicit option win over the environment', () => {
    process.env.HTTPS_PROXY = 'http://from-env:1'
    expect(proxyFor(ORG, false)).toBeUndefined()
    expect(proxyFor(ORG, PROXY)).toBe(PROXY)
    expect(proxyFor(ORG, { url: PROXY })).toBe(PROXY)
    process.env.NO_PROXY = 'acme.my.salesforce.com'
    expect(proxyFor(ORG, PROXY)).toBe(PROXY)
  })

  it('matches an explicit noProxy list as NO_PROXY is matched: hosts, suffixes, ports, *', () => {
    const through = (url: string, noProxy: string[]) => proxyFor(url, { url: PROXY, noProxy })
    expect(through(ORG, ['acme.my.salesforce.com'])).toBeUndefined()
    expect(through(ORG, ['ACME.my.salesforce.com '])).toBeUndefined()
    expect(through(ORG, ['my.salesforce.com'])).toBe(PROXY)
    expect(through(ORG, ['.salesforce.com'])).toBeUndefined()
    expect(through(ORG, ['*.salesforce.com'])).toBeUndefined()
    expect(through(ORG, ['acme.my.salesforce.com:443'])).toBeUndefined()
    expect(through(ORG, ['acme.my.salesforce.com:8443'])).toBe(PROXY)
    expect(through('http://acme.example.com:8080/', ['acme.example.com:8080'])).toBeUndefined()
    expect(through(ORG, ['*'])).toBeUndefined()
    expect(through(ORG, ['', 'other.example.com'])).toBe(PROXY)
  })

  it('sends a URL it cannot parse directly', () => {
    expect(proxyFor('/services/data', PROXY)).toBeUndefined()
  })
})

describe('the jsforce transport', () => {
  it('gives every request the proxy decided for its URL, and "" (direct) for the rest', () => {
    const seen: Array<{ url: string; httpProxy: string | undefined }> = []
    class FakeTransport {
      httpRequest(req: HttpRequest, options: HttpRequestOptions = {}) {
        seen.push({ url: req.url, httpProxy: options.httpProxy })
        return { req, options }
      }
    }
    const transport = proxyAwareTransport(FakeTransport as unknown as typeof Transport, (url) =>
      proxyFor(url, { url: PROXY, noProxy: ['login.salesforce.com'] }),
    )
    transport.httpRequest({ method: 'GET', url: ORG }, { httpProxy: 'http://from-env:1' })
    transport.httpRequest({
      method: 'POST',
      url: 'https://login.salesforce.com/services/oauth2/token',
    })
    transport.httpRequest({ method: 'GET', url: 'http://127.0.0.1:4000/services/data' })
    expect(seen).toEqual([
      { url: ORG, httpProxy: PROXY },
      { url: 'https://login.salesforce.com/services/oauth2/token', httpProxy: '' },
      { url: 'http://127.0.0.1:4000/services/data', httpProxy: '' },
    ])
  })
})

describe('the proxy option', () => {
  it('is validated with the other Salesforce options, without showing credentials', async () => {
    for (const proxy of ['proxy.corp:3128', 'http://user:s3cret@', { noProxy: [] }, true]) {
      const error = await JsforceAdapter.create({
        instanceUrl: 'https://acme.my.salesforce.com',
        accessToken: 'token',
        proxy,
      } as never).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).problems.map((p) => p.path)).toEqual(['salesforce.proxy'])
      expect((error as ConfigError).message).not.toContain('s3cret')
    }
  })
})
