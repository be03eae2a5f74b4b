import { createHash } from 'node:crypto'
import type { Connection, ConnectionConfig } from 'jsforce'
import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { IdentifiedSession, SessionSource } from '../auth/salesforce-session.js'
import { SharedTokenSource, type TokenSharing } from '../auth/shared-token-source.js'
import { TokenProviderSource } from '../auth/token-provider-source.js'
import { TokenSeal } from '../auth/token-seal.js'
import { type ProxyOption, proxyFor } from '../http/proxy-for.js'
import { type JsforceModules, loadJsforce } from '../load-http-stack.js'
import type { ResolvedAuth } from './jsforce-adapter-options.js'
import { toSalesforceApiError } from './jsforce-error.js'
import { type LoginAuth, loginSession } from './login-session.js'
import { routeThroughProxies } from './proxy-aware-transport.js'

/** A jsforce connection pgforce opened, and the last failure to renew its session. @internal */
export interface OpenedConnection {
  readonly conn: Connection
  readonly jsforce: JsforceModules
  /** Why the last session renewal failed (jsforce keeps only its message). */
  readonly lastRenewalError: () => SalesforceApiError | undefined
}

/**
 * Loads jsforce and builds the Connection. A token (with or without a refresh token) and an app's
 * Connection are used as given. Flows that log in (JWT bearer, client credentials, username and
 * password) and a token provider get their session from a {@link SessionSource} — shared through
 * Postgres when `sharing` is given — and renew it through jsforce's `refreshFn` whenever Salesforce
 * answers `INVALID_SESSION_ID`. Every request of a connection pgforce builds follows
 * {@link proxyFor}; a Connection the app passes is used as it is. @internal
 */
export async function openJsforceConnection(
  auth: ResolvedAuth,
  apiVersion: string,
  originClient: string,
  proxy: ProxyOption | undefined,
  sharing?: TokenSharing,
): Promise<OpenedConnection> {
  const jsforce = await loadJsforce()
  let lastRenewalError: SalesforceApiError | undefined
  const opened = (conn: Connection): OpenedConnection => ({
    conn,
    jsforce,
    lastRenewalError: () => lastRenewalError,
  })
  if (auth.kind === 'connection') return opened(auth.connection)
  const connect = (config: ConnectionConfig) => {
    const conn = new jsforce.Connection({ ...config, version: apiVersion, callOptions })
    routeThroughProxies(conn, jsforce.Transport, (url) => proxyFor(url, proxy))
    return conn
  }
  const callOptions = { client: originClient }
  if (auth.kind === 'token') {
    const oauth2 = auth.clientId
      ? { clientId: auth.clientId, clientSecret: auth.clientSecret, loginUrl: auth.loginUrl }
      : undefined
    try {
      return opened(
        connect({
          instanceUrl: auth.instanceUrl,
          accessToken: auth.accessToken,
          refreshToken: oauth2 ? auth.refreshToken : undefined,
          oauth2,
        }),
      )
    } catch (error) {
      throw toSalesforceApiError(error, 'Salesforce login failed')
    }
  }
  const source: SessionSource =
    auth.kind === 'provider'
      ? new TokenProviderSource(auth.getAccessToken)
      : sharedOrOwn(auth, loginSession(auth, connect), sharing)
  const session = await source.current()
  const conn = connect({
    instanceUrl: session.instanceUrl,
    accessToken: session.accessToken,
    refreshFn: (c, callback) => {
      source.renew(c.accessToken ?? undefined).then(
        (renewed) => {
          lastRenewalError = undefined
          c.instanceUrl = renewed.instanceUrl
          if (renewed.userInfo) c.userInfo = renewed.userInfo
          callback(null, renewed.accessToken)
        },
        (error: unknown) => {
          lastRenewalError =
            error instanceof SalesforceApiError
              ? error
              : new SalesforceApiError(
                  `Renewing the Salesforce session failed: ${error instanceof Error ? error.message : String(error)}`,
                  { errorCode: 'SESSION_REFRESH_FAILED', retryable: true, cause: error },
                )
          callback(error as Error)
        },
      )
    },
  })
  // Who the session belongs to (org and user ids), as a jsforce login would have set it.
  if (session.userInfo) conn.userInfo = session.userInfo
  return opened(conn)
}

/** The login as is, or shared through the database under a key naming the login. */
function sharedOrOwn(
  auth: LoginAuth,
  login: () => Promise<IdentifiedSession>,
  sharing: TokenSharing | undefined,
): SessionSource {
  if (!sharing) return { current: login, renew: login }
  const clientId = auth.kind === 'password' ? (auth.clientId ?? '') : auth.clientId
  const username = auth.kind === 'client_credentials' ? '' : auth.username
  const key = createHash('sha256')
    .update([auth.kind, auth.loginUrl, clientId, username].join('\n'))
    .digest('hex')
  const secret =
    auth.kind === 'jwt'
      ? auth.privateKey.export({ type: 'pkcs8', format: 'der' })
      : Buffer.from(
          auth.kind === 'password'
            ? `${auth.password}\n${auth.clientSecret ?? ''}`
            : auth.clientSecret,
        )
  return new SharedTokenSource(sharing, key, new TokenSeal(secret, key), login)
}
