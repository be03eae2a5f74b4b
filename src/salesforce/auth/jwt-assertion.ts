import { createPrivateKey, createSign, type KeyObject } from 'node:crypto'

/** The claims of a Salesforce JWT bearer assertion (see docs/guides/authentication.md). */
export interface JwtBearerClaims {
  /** `iss`: the consumer key (client id) of the External Client App. */
  readonly clientId: string
  /** `sub`: the username pgforce acts as. */
  readonly username: string
  /** `aud`: `https://login.salesforce.com`, `https://test.salesforce.com`, or a site's URL. */
  readonly audience: string
  /** How long the assertion is valid. Salesforce accepts at most 3 minutes. @default 180 */
  readonly lifetimeSeconds?: number
  /** The time to sign at (tests). @default Date.now() */
  readonly now?: number
}

/**
 * Signs a JWT bearer assertion with RS256 (RSA PKCS#1 v1.5 + SHA-256, which Salesforce requires):
 * `base64url(header).base64url(claims).base64url(signature)`, with `exp` a short lifetime ahead.
 * `privateKey` is a PEM (PKCS#8 or PKCS#1) or a `KeyObject`. @internal
 */
export function signJwtAssertion(claims: JwtBearerClaims, privateKey: KeyObject | string): string {
  const now = claims.now ?? Date.now()
  const header = encode({ alg: 'RS256', typ: 'JWT' })
  const payload = encode({
    iss: claims.clientId,
    sub: claims.username,
    aud: claims.audience,
    exp: Math.floor(now / 1000) + (claims.lifetimeSeconds ?? 180),
  })
  const signingInput = `${header}.${payload}`
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey
  const signature = createSign('RSA-SHA256').update(signingInput).sign(key)
  return `${signingInput}.${signature.toString('base64url')}`
}

/**
 * The audience Salesforce expects for a login URL: `https://test.salesforce.com` for sandboxes
 * and scratch orgs (`test.salesforce.com`, `*.sandbox.my.salesforce.com`,
 * `*.scratch.my.salesforce.com`), `https://login.salesforce.com` for production
 * (`login.salesforce.com`, any other `*.salesforce.com` My Domain), and the login URL itself for
 * any other host (an Experience Cloud site, the emulator). @internal
 */
export function jwtAudience(loginUrl: string): string {
  const origin = loginUrl.replace(/\/+$/, '')
  const host = new URL(origin).hostname.toLowerCase()
  if (
    host === 'test.salesforce.com' ||
    host.endsWith('.sandbox.my.salesforce.com') ||
    host.endsWith('.scratch.my.salesforce.com')
  )
    return 'https://test.salesforce.com'
  if (host === 'salesforce.com' || host.endsWith('.salesforce.com'))
    return 'https://login.salesforce.com'
  return origin
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}
