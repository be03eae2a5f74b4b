import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import { toSalesforceApiError } from '../jsforce/jsforce-error.js'

/** What a failed login was trying, for the message. @internal */
export interface LoginAttempt {
  readonly kind: 'jwt' | 'client_credentials' | 'password'
  readonly loginUrl: string
  readonly clientId?: string | undefined
  readonly username?: string | undefined
  readonly audience?: string | undefined
}

/** OAuth 2 error codes of the token endpoint (RFC 6749 §5.2, plus Salesforce's own). */
const OAUTH_ERRORS = new Set([
  'invalid_grant',
  'invalid_client',
  'invalid_client_id',
  'invalid_request',
  'unsupported_grant_type',
  'unauthorized_client',
  'inactive_user',
  'inactive_org',
  'rate_limit_exceeded',
])

/**
 * A failed login → a `SalesforceApiError` whose message says what to fix. Refusals by the token
 * endpoint (`invalid_grant` and the like, HTTP 400) keep Salesforce's `error` as `errorCode` and
 * are permanent: trying again with the same credentials cannot succeed. Network failures keep
 * their code and stay retryable. Messages never contain secrets. See
 * docs/guides/authentication.md, "When a login fails". @internal
 */
export function loginError(error: unknown, attempt: LoginAttempt): SalesforceApiError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown
    message?: unknown
  }
  const code = typeof e.name === 'string' ? e.name : ''
  const description = typeof e.message === 'string' ? e.message : String(error)
  if (!OAUTH_ERRORS.has(code)) return toSalesforceApiError(error, 'Salesforce login failed')
  const fix = advice(code, description, attempt)
  return new SalesforceApiError(
    `Salesforce login failed (${code}: ${description})${fix ? `: ${fix}` : ''}`,
    {
      errorCode: code,
      statusCode: code === 'rate_limit_exceeded' ? 429 : 400,
      retryable: code === 'rate_limit_exceeded' ? undefined : false,
      cause: error,
    },
  )
}

function advice(code: string, description: string, a: LoginAttempt): string | undefined {
  const text = description.toLowerCase()
  const app = 'the External Client App (or connected app)'
  if (code === 'invalid_client_id' || code === 'invalid_client')
    return `Salesforce does not know clientId "${a.clientId ?? ''}" (or its secret) at ${a.loginUrl}: use the consumer key${a.kind === 'jwt' ? '' : ' and secret'} of ${app} in the org that loginUrl points to`
  if (a.kind === 'jwt') {
    if (text.includes('audience'))
      return `the assertion's audience was "${a.audience ?? ''}": use loginUrl https://login.salesforce.com for production, https://test.salesforce.com for a sandbox, or set salesforce.audience`
    if (text.includes('expired'))
      return "the assertion had expired when Salesforce read it: check this machine's clock (pgforce signs assertions valid for 3 minutes)"
    if (text.includes('approved') || text.includes('user'))
      return `user "${a.username ?? ''}" is unknown at ${a.loginUrl} or not pre-authorized for ${app}: check the username (a sandbox's carry its suffix), set the app's policy to "Admin approved users are pre-authorized" and assign the user its permission set`
    if (text.includes('assertion') || text.includes('signature'))
      return `Salesforce could not verify the assertion's signature: the certificate uploaded to ${app} must be the one made from privateKey (see docs/guides/authentication.md)`
  }
  if (a.kind === 'client_credentials' && text.includes('client credentials'))
    return `enable the client credentials flow in ${app}'s policies and choose its run-as user`
  if (a.kind === 'password')
    return 'check username, password (followed by the security token if the org asks for one) and that the org allows the username-password flow; better, move to JWT bearer or client credentials (docs/guides/authentication.md)'
  return undefined
}
