import { createPublicKey, createVerify, type KeyObject } from 'node:crypto'
import type { EmulatorCredentials } from './emulator-credentials.js'

/** An OAuth 2 error body of the token endpoint. @internal */
export interface OAuthRefusal {
  readonly error: string
  readonly error_description: string
}

/**
 * Checks a JWT bearer assertion as Salesforce does, in its order, answering with Salesforce's
 * error bodies: a malformed assertion or bad signature → `invalid_grant` "invalid assertion"; an
 * unknown issuer → `invalid_client_id` "client identifier invalid"; another audience →
 * `invalid_grant` "audience is invalid"; a past `exp` → `invalid_grant` "expired authorization
 * code"; a subject that is not the org's user → `invalid_grant` "user hasn't approved this
 * consumer". Without `credentials.certificate` no assertion is accepted. `undefined` when valid.
 * @internal
 */
export function checkJwtBearer(
  assertion: string,
  credentials: EmulatorCredentials,
  audiences: readonly string[],
  nowMs: number = Date.now(),
): OAuthRefusal | undefined {
  const invalid = { error: 'invalid_grant', error_description: 'invalid assertion' }
  const parts = assertion.split('.')
  if (parts.length !== 3) return invalid
  const [header, payload, signature] = parts as [string, string, string]
  let claims: { iss?: unknown; sub?: unknown; aud?: unknown; exp?: unknown }
  try {
    const alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown }).alg
    if (alg !== 'RS256') return invalid
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as typeof claims
  } catch {
    return invalid
  }
  if (claims.iss !== credentials.clientId)
    return { error: 'invalid_client_id', error_description: 'client identifier invalid' }
  const key = publicKey(credentials.certificate)
  if (
    !key ||
    !createVerify('RSA-SHA256')
      .update(`${header}.${payload}`)
      .verify(key, Buffer.from(signature, 'base64url'))
  )
    return invalid
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
  if (!audience.some((a) => typeof a === 'string' && audiences.includes(a.replace(/\/$/, ''))))
    return { error: 'invalid_grant', error_description: 'audience is invalid' }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs)
    return { error: 'invalid_grant', error_description: 'expired authorization code' }
  if (claims.sub !== credentials.username)
    return { error: 'invalid_grant', error_description: "user hasn't approved this consumer" }
  return undefined
}

const keys = new Map<string, KeyObject | undefined>()

/** The public key of a PEM certificate or public key, read once. */
function publicKey(pem: string | undefined): KeyObject | undefined {
  if (pem === undefined) return undefined
  if (!keys.has(pem)) {
    let key: KeyObject | undefined
    try {
      key = createPublicKey(pem)
    } catch {
      key = undefined
    }
    keys.set(pem, key)
  }
  return keys.get(pem)
}
