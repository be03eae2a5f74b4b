import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import type { IdentifiedSession, SessionIdentity } from './salesforce-session.js'

const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * Encrypts and decrypts a shared session with AES-256-GCM under a key derived (HKDF-SHA-256) from
 * the login's own secret (the JWT private key, the client secret, the password) and bound to the
 * login's identity: every worker configured with the same credentials can read the stored token,
 * a database reader without them cannot (see docs/guides/authentication.md). @internal
 */
export class TokenSeal {
  private readonly key: Buffer
  private readonly identity: Buffer

  /** @param secret the credentials' secret bytes; @param identity the stored row's key */
  constructor(secret: Buffer, identity: string) {
    this.identity = Buffer.from(identity)
    this.key = Buffer.from(hkdfSync('sha256', secret, 'pgforce shared token', this.identity, 32))
  }

  /** `iv ‖ tag ‖ ciphertext` of the session as JSON. */
  seal(session: IdentifiedSession): Buffer {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(this.identity)
    const body = Buffer.concat([
      cipher.update(
        JSON.stringify([session.accessToken, session.instanceUrl, session.userInfo ?? null]),
      ),
      cipher.final(),
    ])
    return Buffer.concat([iv, cipher.getAuthTag(), body])
  }

  /** The session, or `undefined` when `sealed` was made with other credentials or is damaged. */
  open(sealed: Buffer): IdentifiedSession | undefined {
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.key,
        sealed.subarray(0, IV_BYTES),
      ).setAAD(this.identity)
      decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
      const text = Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString()
      const [accessToken, instanceUrl, userInfo] = JSON.parse(text) as [
        string,
        string,
        SessionIdentity | null,
      ]
      return typeof accessToken === 'string' && typeof instanceUrl === 'string'
        ? { accessToken, instanceUrl, userInfo: userInfo ?? undefined }
        : undefined
    } catch {
      return undefined
    }
  }
}
