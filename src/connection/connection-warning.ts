/**
 * Something about a connection that works today but needs the app's attention. Engines emit each
 * once as a `warning` event (and log it); `connection.warnings` lists them.
 */
export interface ConnectionWarning {
  /**
   * `USERNAME_PASSWORD_FLOW`: the connection logs in with a username and password, which
   * Salesforce retires (the OAuth 2 username-password flow on 2027-02-20; SOAP `login()` in
   * Summer '27). Move to JWT bearer or client credentials (docs/guides/authentication.md).
   */
  readonly code: 'USERNAME_PASSWORD_FLOW'
  readonly message: string
}

/** The warning of a username–password login (OAuth 2 when `oauth`, else SOAP `login()`). @internal */
export function usernamePasswordWarning(oauth: boolean): ConnectionWarning {
  const flow = oauth
    ? 'the OAuth 2 username-password flow, which Salesforce retires on 2027-02-20'
    : "SOAP login() with a username and password, which Salesforce retires in Summer '27 (as it retires the OAuth 2 username-password flow on 2027-02-20)"
  return {
    code: 'USERNAME_PASSWORD_FLOW',
    message: `This connection logs in to Salesforce with ${flow}: logins will then fail. Move to the JWT bearer flow ({ loginUrl, clientId, username, privateKey }) or client credentials; see docs/guides/authentication.md`,
  }
}
