import type { Connection } from 'jsforce'
import { type ProxyOption, proxyFor } from '../http/proxy-for.js'
import { type JsforceModules, loadJsforce } from '../load-http-stack.js'
import type { ResolvedAuth } from './jsforce-adapter-options.js'
import { toSalesforceApiError } from './jsforce-error.js'
import { routeThroughProxies } from './proxy-aware-transport.js'

/**
 * Loads jsforce, builds (and, for password and client-credentials auth, logs in) the Connection,
 * with session refresh wired where the auth allows it: the refresh-token grant, or logging in again
 * (`refreshFn`) for username/password and client credentials. Every request of a connection
 * pgforce builds follows {@link proxyFor}; a Connection the app passes is used as it is. @internal
 */
export async function openJsforceConnection(
  auth: ResolvedAuth,
  apiVersion: string,
  originClient: string,
  proxy: ProxyOption | undefined,
): Promise<{ conn: Connection; jsforce: JsforceModules }> {
  const jsforce = await loadJsforce()
  if (auth.kind === 'connection') return { conn: auth.connection, jsforce }
  const { Connection, Transport } = jsforce
  const callOptions = { client: originClient }
  const routed = (conn: Connection) => {
    routeThroughProxies(conn, Transport, (url) => proxyFor(url, proxy))
    return conn
  }
  const oauth2 =
    'clientId' in auth && auth.clientId
      ? { clientId: auth.clientId, clientSecret: auth.clientSecret, loginUrl: auth.loginUrl }
      : undefined
  try {
    if (auth.kind === 'token') {
      const conn = routed(
        new Connection({
          instanceUrl: auth.instanceUrl,
          accessToken: auth.accessToken,
          refreshToken: oauth2 ? auth.refreshToken : undefined,
          oauth2,
          version: apiVersion,
          callOptions,
        }),
      )
      return { conn, jsforce }
    }
    if (auth.kind === 'client_credentials') {
      const login = async (conn: Connection) => {
        await conn.authorize({ grant_type: 'client_credentials' })
      }
      const conn: Connection = routed(
        new Connection({
          loginUrl: auth.loginUrl,
          oauth2,
          version: apiVersion,
          callOptions,
          refreshFn: (c, callback) => {
            login(c as Connection).then(
              () => callback(null, c.accessToken ?? undefined),
              (error: Error) => callback(error),
            )
          },
        }),
      )
      await login(conn)
      return { conn, jsforce }
    }
    const conn: Connection = routed(
      new Connection({ loginUrl: auth.loginUrl, oauth2, version: apiVersion, callOptions }),
    )
    await conn.login(auth.username, auth.password)
    return { conn, jsforce }
  } catch (error) {
    throw toSalesforceApiError(error, 'Salesforce login failed')
  }
}
