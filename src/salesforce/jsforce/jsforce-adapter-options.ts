import { createPrivateKey, type KeyObject } from 'node:crypto'
import type { Connection } from 'jsforce'
import { OptionReader } from '../../config/option-reader.js'
import { jwtAudience } from '../auth/jwt-assertion.js'
import type { SalesforceSession } from '../auth/salesforce-session.js'
import type { ProxyOption } from '../http/proxy-for.js'

/** A session you already have. */
export interface TokenAuth {
  readonly instanceUrl: string
  readonly accessToken: string
  /** With `clientId` (and `clientSecret`), an expired session is refreshed with it. */
  readonly refreshToken?: string
  readonly clientId?: string
  readonly clientSecret?: string
  /** Where to refresh; default `https://login.salesforce.com`. */
  readonly loginUrl?: string
}

/** Username + password: SOAP login, or the OAuth 2 password flow when a client id is given. */
export interface PasswordAuth {
  readonly loginUrl?: string
  readonly username: string
  /** Password followed by the security token, if the org requires one. */
  readonly password: string
  readonly clientId?: string
  readonly clientSecret?: string
}

/** OAuth 2 client credentials flow (a connected app's integration user). */
export interface ClientCredentialsAuth {
  readonly loginUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly grant: 'client_credentials'
}

/**
 * OAuth 2 JWT bearer flow, the standard for servers: an External Client App's consumer key, a user
 * the app pre-authorizes, and the private key whose certificate the app holds. pgforce signs a
 * new short-lived assertion for every login (see docs/guides/authentication.md).
 */
export interface JwtBearerAuth {
  /**
   * Where to log in; also decides the assertion's audience (`https://test.salesforce.com` for
   * `test.salesforce.com` and sandbox My Domains, `https://login.salesforce.com` for other
   * Salesforce hosts, the URL itself elsewhere). @default 'https://login.salesforce.com'
   */
  readonly loginUrl?: string
  /** The consumer key of the External Client App (the assertion's `iss`). */
  readonly clientId: string
  /** The user pgforce acts as (the assertion's `sub`); the app must pre-authorize them. */
  readonly username: string
  /** RSA private key: a PEM (`BEGIN PRIVATE KEY` or `BEGIN RSA PRIVATE KEY`) or a `KeyObject`. */
  readonly privateKey: string | KeyObject
  /** The assertion's `aud`, when the one derived from `loginUrl` is not right. */
  readonly audience?: string
}

/**
 * A token handed out by the platform the app runs on (for example Heroku AppLink): pgforce calls
 * `getAccessToken()` to connect and again whenever Salesforce says the session expired.
 */
export interface TokenProviderAuth {
  readonly getAccessToken: () => Promise<SalesforceSession>
}

/** Options shared by every way to build a `JsforceAdapter`. */
export interface JsforceAdapterCommonOptions {
  /** API version. @default '60.0' */
  readonly apiVersion?: string
  /**
   * Client id sent as `Sforce-Call-Options: client=…`, so changes pgforce makes carry it in their
   * Change Data Capture `changeOrigin` and are recognised. @default 'pgforce'
   */
  readonly originClient?: string
  /**
   * How long the streaming client waits before its first attempt to reconnect; the wait doubles
   * with each failed attempt, up to 30 s. @default 1000
   */
  readonly streamingRetryMs?: number
  /**
   * Whether and how to reach Salesforce through an HTTP proxy (see {@link ProxyOption}). By default
   * `HTTPS_PROXY`/`HTTP_PROXY` and `NO_PROXY` decide; loopback hosts are always reached directly.
   * A jsforce `Connection` you pass keeps its own transport: only streaming follows this option.
   */
  readonly proxy?: ProxyOption
  /**
   * For flows that log in (JWT bearer, client credentials, username–password), through
   * `createConnection()`: keep the session in the database, encrypted, so every worker of the org
   * uses one token and one worker logs in again when it expires (see docs/guides/authentication.md,
   * "One token for all workers"). `false` stores nothing: each connection logs in on its own.
   * @default true
   */
  readonly shareToken?: boolean
}

/** Everything `JsforceAdapter.create()` accepts. */
export type JsforceAdapterOptions = (
  | TokenAuth
  | PasswordAuth
  | ClientCredentialsAuth
  | JwtBearerAuth
  | TokenProviderAuth
  | { readonly connection: Connection }
) &
  JsforceAdapterCommonOptions

/** The resolved auth. @internal */
export type ResolvedAuth =
  | {
      kind: 'token'
      instanceUrl: string
      accessToken: string
      refreshToken?: string
      clientId?: string
      clientSecret?: string
      loginUrl: string
    }
  | {
      kind: 'password'
      loginUrl: string
      username: string
      password: string
      clientId?: string
      clientSecret?: string
    }
  | { kind: 'client_credentials'; loginUrl: string; clientId: string; clientSecret: string }
  | {
      kind: 'jwt'
      loginUrl: string
      clientId: string
      username: string
      privateKey: KeyObject
      audience: string
    }
  | { kind: 'provider'; getAccessToken: () => Promise<SalesforceSession> }
  | { kind: 'connection'; connection: Connection }

/** Validates adapter options, listing every problem in one `ConfigError`. @internal */
export function resolveJsforceOptions(options: JsforceAdapterOptions): {
  auth: ResolvedAuth
  apiVersion: string
  originClient: string
  streamingRetryMs: number
  proxy: ProxyOption | undefined
  shareToken: boolean
} {
  const read = new OptionReader('Salesforce options')
  if (!read.object('salesforce', options)) read.finish()
  const o = options as unknown as Record<string, unknown>
  const apiVersion =
    typeof o.apiVersion === 'string' && /^\d+\.\d$/.test(o.apiVersion) ? o.apiVersion : '60.0'
  if (o.apiVersion !== undefined && apiVersion !== o.apiVersion)
    read.problem('salesforce.apiVersion', 'a version such as "60.0"', o.apiVersion)
  const originClient =
    o.originClient === undefined
      ? 'pgforce'
      : (read.string('salesforce.originClient', o.originClient) ?? 'pgforce')
  const streamingRetryMs =
    read.integer('salesforce.streamingRetryMs', o.streamingRetryMs ?? 1000, { min: 10 }) ?? 1000
  const proxy = readProxy(read, o.proxy)
  const shareToken =
    o.shareToken === undefined
      ? true
      : (read.boolean('salesforce.shareToken', o.shareToken) ?? true)
  const url = (path: string, value: unknown) => {
    const text = read.string(path, value)
    if (text !== undefined && !/^https?:\/\/[^/]+\/?$/.test(text))
      read.problem(path, 'an origin such as "https://acme.my.salesforce.com"', text)
    return text?.replace(/\/$/, '') ?? ''
  }
  const loginUrl =
    o.loginUrl === undefined
      ? 'https://login.salesforce.com'
      : url('salesforce.loginUrl', o.loginUrl)
  let auth: ResolvedAuth
  if ('connection' in o) {
    if (typeof (o.connection as { query?: unknown })?.query !== 'function')
      read.problem('salesforce.connection', 'a jsforce Connection', o.connection)
    auth = { kind: 'connection', connection: o.connection as Connection }
  } else if (o.grant === 'client_credentials') {
    auth = {
      kind: 'client_credentials',
      loginUrl,
      clientId: read.string('salesforce.clientId', o.clientId) ?? '',
      clientSecret: read.string('salesforce.clientSecret', o.clientSecret, { secret: true }) ?? '',
    }
  } else if ('getAccessToken' in o) {
    const getAccessToken =
      read.func<() => Promise<SalesforceSession>>('salesforce.getAccessToken', o.getAccessToken) ??
      (async () => ({ accessToken: '', instanceUrl: '' }))
    auth = { kind: 'provider', getAccessToken }
  } else if ('privateKey' in o) {
    auth = {
      kind: 'jwt',
      loginUrl,
      clientId: read.string('salesforce.clientId', o.clientId) ?? '',
      username: read.string('salesforce.username', o.username) ?? '',
      privateKey: readPrivateKey(read, o.privateKey),
      audience:
        o.audience === undefined
          ? safeAudience(loginUrl)
          : (read.string('salesforce.audience', o.audience) ?? ''),
    }
  } else if ('accessToken' in o || 'instanceUrl' in o) {
    auth = {
      kind: 'token',
      instanceUrl: url('salesforce.instanceUrl', o.instanceUrl),
      accessToken: read.string('salesforce.accessToken', o.accessToken, { secret: true }) ?? '',
      refreshToken:
        o.refreshToken === undefined
          ? undefined
          : read.string('salesforce.refreshToken', o.refreshToken, { secret: true }),
      clientId: o.clientId as string | undefined,
      clientSecret: o.clientSecret as string | undefined,
      loginUrl,
    }
  } else if ('username' in o || 'password' in o) {
    auth = {
      kind: 'password',
      loginUrl,
      username: read.string('salesforce.username', o.username) ?? '',
      password: read.string('salesforce.password', o.password, { secret: true }) ?? '',
      clientId: o.clientId as string | undefined,
      clientSecret: o.clientSecret as string | undefined,
    }
  } else {
    read.problemWithDescription(
      'salesforce',
      '{ loginUrl, clientId, username, privateKey }, { loginUrl, clientId, clientSecret, grant }, { getAccessToken }, { instanceUrl, accessToken }, { loginUrl, username, password }, { connection } or a SalesforceAdapter',
      `an object with ${Object.keys(o).join(', ') || 'no keys'}`,
    )
    auth = { kind: 'token', instanceUrl: '', accessToken: '', loginUrl }
  }
  read.finish()
  return { auth, apiVersion, originClient, streamingRetryMs, proxy, shareToken }
}

/** An RSA private key from a PEM or a `KeyObject`; never shows the value. */
function readPrivateKey(read: OptionReader, value: unknown): KeyObject {
  const expected =
    'an RSA private key: a PEM ("-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----") or a private KeyObject'
  let key: KeyObject | undefined
  try {
    if (typeof value === 'string' || Buffer.isBuffer(value)) key = createPrivateKey(value)
    else if ((value as KeyObject | null)?.type === 'private') key = value as KeyObject
  } catch {
    key = undefined
  }
  if (key?.asymmetricKeyType === 'rsa') return key
  read.problemWithDescription(
    'salesforce.privateKey',
    expected,
    key
      ? `a key of type ${key.asymmetricKeyType ?? 'unknown'} (Salesforce signs and checks RS256 only)`
      : typeof value === 'string' && value.includes('CERTIFICATE')
        ? 'a certificate (that goes to Salesforce; pgforce needs the private key it was made from)'
        : typeof value === 'string' && value.includes('PUBLIC KEY')
          ? 'a public key (pgforce needs the private key)'
          : typeof value === 'string' && value.includes('ENCRYPTED')
            ? 'an encrypted private key (pass it decrypted, e.g. as a KeyObject from crypto.createPrivateKey({ key, passphrase }))'
            : 'something that is not a private key',
  )
  return undefined as unknown as KeyObject
}

function safeAudience(loginUrl: string): string {
  try {
    return jwtAudience(loginUrl)
  } catch {
    return loginUrl
  }
}

/** `http(s)://[user:password@]host[:port]`, nothing after the origin. */
function isProxyUrl(value: unknown): value is string {
  if (typeof value !== 'string' || !/^https?:\/\/[^/\s]+\/?$/.test(value)) return false
  try {
    return new URL(value).hostname !== ''
  } catch {
    return false
  }
}

function readProxy(read: OptionReader, value: unknown): ProxyOption | undefined {
  if (value === undefined || value === false) return value
  const expected = 'false, a proxy URL such as "http://proxy.corp:3128", or { url, noProxy }'
  if (typeof value === 'string') {
    if (isProxyUrl(value)) return value
    read.problem('salesforce.proxy', expected, value, { secret: true })
    return undefined
  }
  const option = value as { url?: unknown; noProxy?: unknown } | null
  const noProxy = option?.noProxy
  if (
    typeof option !== 'object' ||
    option === null ||
    !isProxyUrl(option.url) ||
    (noProxy !== undefined &&
      !(Array.isArray(noProxy) && noProxy.every((entry) => typeof entry === 'string')))
  ) {
    read.problem('salesforce.proxy', expected, value, { secret: true })
    return undefined
  }
  return { url: option.url, noProxy: noProxy as string[] | undefined }
}
