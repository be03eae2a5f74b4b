/** The credentials a `SalesforceEmulator` accepts on its login endpoints. */
export interface EmulatorCredentials {
  readonly username: string
  readonly password: string
  readonly clientId: string
  readonly clientSecret: string
  /** Accepted by the `refresh_token` grant. */
  readonly refreshToken: string
  /**
   * The certificate (PEM `BEGIN CERTIFICATE`) or public key (PEM `BEGIN PUBLIC KEY`) uploaded to
   * the app for the JWT bearer flow: assertions must be signed with its private key, issued by
   * `clientId`, for `username`, addressed to the emulator's `loginUrl` (the audience pgforce
   * derives from that URL) and not expired. Without one, the emulator refuses every JWT bearer
   * login.
   */
  readonly certificate?: string
}

/** The default credentials. */
export const DEFAULT_CREDENTIALS: EmulatorCredentials = {
  username: 'integration@pgforce.test',
  password: 'pgforce-password',
  clientId: 'pgforce-client-id',
  clientSecret: 'pgforce-client-secret',
  refreshToken: 'pgforce-refresh-token',
}
