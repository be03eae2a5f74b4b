import { createVerify, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { jwtAudience, signJwtAssertion } from '../../../src/salesforce/auth/jwt-assertion.js'
import { TokenSeal } from '../../../src/salesforce/auth/token-seal.js'
import { DEFAULT_CREDENTIALS } from '../../../src/testing/emulator/emulator-credentials.js'
import { checkJwtBearer } from '../../../src/testing/emulator/jwt-bearer-grant.js'

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
})
const now = Date.UTC(2026, 10, 26, 10, 0, 0)
const claims = {
  clientId: 'CID',
  username: 'u@acme.test',
  audience: 'https://login.salesforce.com',
}
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString())

describe('signJwtAssertion', () => {
  it('makes header.claims.signature in base64url, RS256, with iss, sub, aud and a 3-minute exp', () => {
    const jwt = signJwtAssertion({ ...claims, now }, privateKey)
    const [header, payload, signature] = jwt.split('.') as [string, string, string]
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(decode(header)).toEqual({ alg: 'RS256', typ: 'JWT' })
    expect(decode(payload)).toEqual({
      iss: 'CID',
      sub: 'u@acme.test',
      aud: 'https://login.salesforce.com',
      exp: now / 1000 + 180,
    })
    const verified = createVerify('RSA-SHA256')
      .update(`${header}.${payload}`)
      .verify(publicKey, Buffer.from(signature, 'base64url'))
    expect(verified).toBe(true)
  })

  it('keeps the username as it is (no escaping) and honours a shorter lifetime', () => {
    const jwt = signJwtAssertion(
      { ...claims, username: 'a+b@acme.test.sandbox', lifetimeSeconds: 60, now: now + 999 },
      privateKey,
    )
    expect(decode(jwt.split('.')[1] as string)).toMatchObject({
      sub: 'a+b@acme.test.sandbox',
      exp: Math.floor((now + 999) / 1000) + 60,
    })
  })
})

describe('jwtAudience', () => {
  it.each([
    ['https://login.salesforce.com', 'https://login.salesforce.com'],
    ['https://acme.my.salesforce.com/', 'https://login.salesforce.com'],
    ['https://test.salesforce.com', 'https://test.salesforce.com'],
    ['https://acme--uat.sandbox.my.salesforce.com', 'https://test.salesforce.com'],
    ['https://fun-cat-42.scratch.my.salesforce.com', 'https://test.salesforce.com'],
    ['https://acme.my.site.com/customers', 'https://acme.my.site.com/customers'],
    ['http://127.0.0.1:4321', 'http://127.0.0.1:4321'],
  ])('%s → %s', (loginUrl, audience) => {
    expect(jwtAudience(loginUrl)).toBe(audience)
  })
})

describe("the emulator's assertion check", () => {
  const credentials = { ...DEFAULT_CREDENTIALS, certificate: publicKey }
  const mine = (overrides: Partial<typeof claims> = {}) =>
    signJwtAssertion(
      {
        clientId: credentials.clientId,
        username: credentials.username,
        audience: 'http://emulator',
        now,
        ...overrides,
      },
      privateKey,
    )
  const check = (jwt: string, at = now) => checkJwtBearer(jwt, credentials, ['http://emulator'], at)

  it('accepts a good assertion until it expires', () => {
    expect(check(mine())).toBeUndefined()
    expect(check(mine(), now + 180_000)).toEqual({
      error: 'invalid_grant',
      error_description: 'expired authorization code',
    })
  })

  it("answers Salesforce's error for each fault", () => {
    const [h, p, s] = mine().split('.') as [string, string, string]
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...decode(p), exp: 9e9 })).toString('base64url')}.${s}`
    expect(check(tampered)?.error_description).toBe('invalid assertion')
    expect(check('not.a-jwt')?.error_description).toBe('invalid assertion')
    expect(check(mine({ clientId: 'other' }))).toEqual({
      error: 'invalid_client_id',
      error_description: 'client identifier invalid',
    })
    expect(check(mine({ audience: 'https://login.salesforce.com' }))?.error_description).toBe(
      'audience is invalid',
    )
    expect(check(mine({ username: 'nobody' }))?.error_description).toBe(
      "user hasn't approved this consumer",
    )
  })
})

describe('TokenSeal', () => {
  const session = { accessToken: '00D!secret', instanceUrl: 'https://acme.my.salesforce.com' }

  it('opens what the same credentials sealed, and nothing sealed with others or tampered with', () => {
    const sealed = new TokenSeal(Buffer.from('secret'), 'key-1').seal(session)
    expect(sealed.toString('latin1')).not.toContain('00D!secret')
    expect(new TokenSeal(Buffer.from('secret'), 'key-1').open(sealed)).toEqual(session)
    expect(new TokenSeal(Buffer.from('other'), 'key-1').open(sealed)).toBeUndefined()
    expect(new TokenSeal(Buffer.from('secret'), 'key-2').open(sealed)).toBeUndefined()
    const flipped = Buffer.from(sealed)
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1
    expect(new TokenSeal(Buffer.from('secret'), 'key-1').open(flipped)).toBeUndefined()
  })
})
