import type { Connection, ConnectionConfig } from 'jsforce'
import { signJwtAssertion } from '../auth/jwt-assertion.js'
import { loginError } from '../auth/login-error.js'
import type { IdentifiedSession } from '../auth/salesforce-session.js'
import type { ResolvedAuth } from './jsforce-adapter-options.js'

/** The auth kinds pgforce logs in with itself. @internal */
export type LoginAuth = Extract<ResolvedAuth, { kind: 'jwt' | 'client_credentials' | 'password' }>

/** The grant type of the JWT bearer flow (RFC 7523). */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/**
 * How to log in with `auth`: each call makes a new session on a connection of its own (JWT bearer
 * with a freshly signed assertion, client credentials, OAuth 2 password or SOAP login) and returns
 * its token, instance URL and identity (org and user ids); failures are `SalesforceApiError`s that say what to fix. @internal
 */
export function loginSession(
  auth: LoginAuth,
  connect: (config: ConnectionConfig) => Connection,
): () => Promise<IdentifiedSession> {
  const oauth2 =
    auth.kind !== 'jwt' && auth.clientId
      ? { clientId: auth.clientId, clientSecret: auth.clientSecret, loginUrl: auth.loginUrl }
      : { loginUrl: auth.loginUrl }
  return async () => {
    const conn = connect({ loginUrl: auth.loginUrl, oauth2 })
    try {
      if (auth.kind === 'jwt') {
        const assertion = signJwtAssertion(
          { clientId: auth.clientId, username: auth.username, audience: auth.audience },
          auth.privateKey,
        )
        await conn.authorize({ grant_type: JWT_BEARER_GRANT, assertion })
      } else if (auth.kind === 'client_credentials') {
        await conn.authorize({ grant_type: 'client_credentials' })
      } else {
        await conn.login(auth.username, auth.password)
      }
    } catch (error) {
      throw loginError(error, auth)
    }
    return {
      accessToken: conn.accessToken ?? '',
      instanceUrl: conn.instanceUrl,
      userInfo: conn.userInfo ?? undefined,
    }
  }
}
