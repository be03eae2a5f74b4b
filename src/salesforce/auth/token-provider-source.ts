import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { SalesforceSession, SessionSource } from './salesforce-session.js'

/**
 * Sessions from the app's token provider (`salesforce: { getAccessToken }`, e.g. Heroku AppLink):
 * asked at start and again each time Salesforce says the session expired. What it returns is
 * checked; a provider that throws gives a retryable `TOKEN_PROVIDER_FAILED`. @internal
 */
export class TokenProviderSource implements SessionSource {
  private readonly getAccessToken: () => Promise<SalesforceSession>

  constructor(getAccessToken: () => Promise<SalesforceSession>) {
    this.getAccessToken = getAccessToken
  }

  current(): Promise<SalesforceSession> {
    return this.ask()
  }

  renew(): Promise<SalesforceSession> {
    return this.ask()
  }

  private async ask(): Promise<SalesforceSession> {
    let session: Partial<SalesforceSession> | undefined
    try {
      session = await this.getAccessToken()
    } catch (error) {
      throw new SalesforceApiError(
        `The token provider (salesforce.getAccessToken) failed: ${error instanceof Error ? error.message : String(error)}`,
        { errorCode: 'TOKEN_PROVIDER_FAILED', retryable: true, cause: error },
      )
    }
    const { accessToken, instanceUrl } = session ?? {}
    if (
      typeof accessToken !== 'string' ||
      accessToken === '' ||
      typeof instanceUrl !== 'string' ||
      !/^https?:\/\/[^/]+\/?$/.test(instanceUrl)
    ) {
      throw new SalesforceApiError(
        'The token provider (salesforce.getAccessToken) must resolve to { accessToken, instanceUrl } with a non-empty token and an origin such as "https://acme.my.salesforce.com"; it resolved to something else',
        { errorCode: 'TOKEN_PROVIDER_FAILED', retryable: false },
      )
    }
    return { accessToken, instanceUrl: instanceUrl.replace(/\/$/, '') }
  }
}
