import type { InMemoryOrg } from '../org/in-memory-org.js'
import type { EmulatorCredentials } from './emulator-credentials.js'
import type { HttpExchange } from './http-exchange.js'
import { checkJwtBearer } from './jwt-bearer-grant.js'

/** What the auth routes need. @internal */
export interface AuthContext {
  readonly org: InMemoryOrg
  readonly credentials: EmulatorCredentials
  readonly baseUrl: string
  readonly version: string
}

/**
 * Login endpoints: the OAuth 2 token endpoint (password, client credentials, refresh token and
 * JWT bearer grants), token revocation, SOAP `login`, and the identity URL. Answers `true` when it
 * handled the request. @internal
 */
export async function handleAuth(x: HttpExchange, c: AuthContext): Promise<boolean> {
  if (x.method === 'POST' && x.path === '/services/oauth2/token') {
    await token(x, c)
    return true
  }
  if (x.method === 'POST' && x.path === '/services/oauth2/revoke') {
    const form = await x.form()
    c.org.sessions.revoke(form.get('token') ?? '')
    x.sendEmpty(200)
    return true
  }
  if (x.method === 'POST' && /^\/services\/Soap\/u\/[\d.]+$/.test(x.path)) {
    await soap(x, c)
    return true
  }
  if (x.method === 'GET' && /^\/id\/[^/]+\/[^/]+$/.test(x.path)) {
    x.sendJson(200, {
      id: `${c.baseUrl}${x.path}`,
      organization_id: c.org.orgId,
      user_id: c.org.userId,
      username: c.credentials.username,
      urls: { rest: `${c.baseUrl}/services/data/v{version}/` },
    })
    return true
  }
  return false
}

async function token(x: HttpExchange, c: AuthContext): Promise<void> {
  const form = await x.form()
  const grant = form.get('grant_type')
  const { credentials } = c
  const clientOk =
    form.get('client_id') === credentials.clientId &&
    (form.get('client_secret') ?? credentials.clientSecret) === credentials.clientSecret
  let ok = false
  switch (grant) {
    case 'password':
      ok =
        clientOk &&
        form.get('username') === credentials.username &&
        form.get('password') === credentials.password
      break
    case 'client_credentials':
      ok = clientOk
      break
    case 'refresh_token':
      ok =
        form.get('refresh_token') === credentials.refreshToken &&
        form.get('client_id') === credentials.clientId
      break
    case 'urn:ietf:params:oauth:grant-type:jwt-bearer': {
      const refusal = checkJwtBearer(
        form.get('assertion') ?? '',
        credentials,
        [c.baseUrl],
        c.org.clock.now().getTime(),
      )
      if (refusal) {
        x.sendJson(400, refusal)
        return
      }
      ok = true
      break
    }
    default:
      x.sendJson(400, {
        error: 'unsupported_grant_type',
        error_description: 'grant type not supported',
      })
      return
  }
  if (!ok) {
    x.sendJson(400, { error: 'invalid_grant', error_description: 'authentication failure' })
    return
  }
  x.sendJson(200, {
    access_token: c.org.sessions.issue(),
    instance_url: c.baseUrl,
    id: `${c.baseUrl}/id/${c.org.orgId}/${c.org.userId}`,
    token_type: 'Bearer',
    issued_at: String(Date.now()),
    signature: 'cGdmb3JjZQ==',
    scope: 'api refresh_token',
  })
}

async function soap(x: HttpExchange, c: AuthContext): Promise<void> {
  const body = await x.text()
  const field = (name: string) =>
    unescapeXml(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body)?.[1] ?? '')
  if (
    field('username') !== c.credentials.username ||
    field('password') !== c.credentials.password
  ) {
    x.send(
      500,
      'text/xml',
      `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
    )
    return
  }
  const server = `${c.baseUrl}/services/Soap/u/${c.version}/${c.org.orgId.slice(0, 15)}`
  x.send(
    200,
    'text/xml',
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result><metadataServerUrl>${server}</metadataServerUrl><passwordExpired>false</passwordExpired><sandbox>false</sandbox><serverUrl>${server}</serverUrl><sessionId>${c.org.sessions.issue()}</sessionId><userId>${c.org.userId}</userId><userInfo><organizationId>${c.org.orgId}</organizationId></userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>`,
  )
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
}
