import { randomBytes } from 'node:crypto'

/** Access tokens the org accepts. `expireAll()` makes every current token invalid (a 401). */
export class SessionStore {
  private readonly tokens = new Set<string>()
  private readonly orgId: string

  constructor(orgId: string) {
    this.orgId = orgId
  }

  /** Issues a new valid token, in Salesforce's `<orgId>!<secret>` shape. */
  issue(): string {
    const token = `${this.orgId.slice(0, 15)}!${randomBytes(24).toString('base64url')}`
    this.tokens.add(token)
    return token
  }

  /** Whether `token` is currently valid. */
  isValid(token: string | undefined): boolean {
    return token !== undefined && this.tokens.has(token)
  }

  /** Revokes one token. */
  revoke(token: string): void {
    this.tokens.delete(token)
  }

  /** Expires every session: the next request with an old token gets `INVALID_SESSION_ID`. */
  expireAll(): void {
    this.tokens.clear()
  }
}
