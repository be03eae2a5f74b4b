import { assertSupportedNode } from './supported-node.js'

/** The parts of jsforce pgforce uses at run time. @internal */
export interface JsforceModules {
  readonly Connection: typeof import('jsforce').Connection
  readonly Transport: typeof import('jsforce/lib/transport.js').Transport
  readonly HttpApi: typeof import('jsforce/lib/http-api.js').HttpApi
}

/** undici, as pgforce's streaming client uses it. @internal */
export type UndiciModule = typeof import('undici')

/**
 * Loads jsforce when it is first needed rather than when pgforce is imported, so that importing
 * `pgforce` works on any Node.js and an old one gets a one-line `EngineStateError` here instead of
 * a crash inside undici. @internal
 */
export async function loadJsforce(): Promise<JsforceModules> {
  assertSupportedNode()
  const [core, transport, httpApi] = await Promise.all([
    import('jsforce'),
    import('jsforce/lib/transport.js'),
    import('jsforce/lib/http-api.js'),
  ])
  return { Connection: core.Connection, Transport: transport.Transport, HttpApi: httpApi.HttpApi }
}

/** Loads undici on first use, with the same Node.js check as {@link loadJsforce}. @internal */
export async function loadUndici(): Promise<UndiciModule> {
  assertSupportedNode()
  return import('undici')
}
