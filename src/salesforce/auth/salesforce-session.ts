/** A Salesforce session: what every login flow ends with. */
export interface SalesforceSession {
  /** The access token (session id), sent as `Authorization: Bearer …`. */
  readonly accessToken: string
  /** The org's own origin, e.g. `https://acme.my.salesforce.com`. */
  readonly instanceUrl: string
}

/** Who a login is: the org and user ids of the identity URL (jsforce's `UserInfo`). @internal */
export interface SessionIdentity {
  /** The user's id. */
  readonly id: string
  readonly organizationId: string
  /** The identity URL. */
  readonly url: string
}

/** A session with, when the login told it, who it belongs to. @internal */
export interface IdentifiedSession extends SalesforceSession {
  readonly userInfo?: SessionIdentity | undefined
}

/**
 * Where a connection takes its session from: a login of its own, the token all workers share in
 * Postgres, or the app's token provider. @internal
 */
export interface SessionSource {
  /** The session to start with. */
  current(): Promise<IdentifiedSession>
  /**
   * A session other than `stale` (Salesforce just refused it with `INVALID_SESSION_ID`): a new
   * login, or the one another worker already made.
   */
  renew(stale: string | undefined): Promise<IdentifiedSession>
}
