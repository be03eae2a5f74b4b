/** The credentials a `SalesforceEmulator` accepts on its login endpoints. */
export interface EmulatorCredentials {
  readonly username: string
  readonly password: string
  readonly clientId: string
  readonly clientSecret: string
  /** Accepted by the `refresh_token` grant. */
  readonly refreshToken: string
}

/** The default credentials. */
export const DEFAULT_CREDENTIALS: EmulatorCredentials = {
  username: 'integration@pgforce.test',
  password: 'pgforce-password',
  clientId: 'pgforce-client-id',
  clientSecret: 'pgforce-client-secret',
  refreshToken: 'pgforce-refresh-token',
}
