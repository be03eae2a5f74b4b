import { Connection } from 'jsforce'
import type { ResolvedAuth } from './jsforce-adapter-options.js'
import { toSalesforceApiError } from './jsforce-error.js'

/**
 * Builds (and, for password and client-credentials auth, logs in) the jsforce Connection, with
 * session refresh wired where the auth allows it: the refresh-token grant, or logging in again
 * (`refreshFn`) for username/password and client credentials. @internal
 */
export async function openJsforceConnection(
  auth: ResolvedAuth,
  apiVersion: string,
  originClient: string,
): Promise<Connection> {
  const callOptions = { client: originClient }
  if (auth.kind === 'connection') return auth.connection
  const oauth2 =
    'clientId' in auth && auth.clientId
      ? { clientId: auth.clientId, clientSecret: auth.clientSecret, loginUrl: auth.loginUrl }
      : undefined
  try {
    if (auth.kind === 'token') {
      return new Connection({
        instanceUrl: auth.instanceUrl,
        accessToken: auth.accessToken,
        refreshToken: oauth2 ? auth.refreshToken : undefined,
        oauth2,
        version: apiVersion,
        callOptions,
      })
    }
    if (auth.kind === 'client_credentials') {
      const login = async (conn: Connection) => {
        await conn.authorize({ grant_type: 'client_credentials' })
      }
      const conn: Connection = new Connection({
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
      })
      await login(conn)
      return conn
    }
    const conn: Connection = new Connection({
      loginUrl: auth.loginUrl,
      oauth2,
      version: apiVersion,
      callOptions,
    })
    await conn.login(auth.username, auth.password)
    return conn
  } catch (error) {
    throw toSalesforceApiError(error, 'Salesforce login failed')
  }
}
