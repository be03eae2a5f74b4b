import { to18 } from '../salesforce-id.js'

/**
 * The org's 18-character id: the one the login gave, else read from the access token, whose
 * first 15 characters are the org id (`00D…!<secret>`), with its case-safe suffix. @internal
 */
export function organizationIdOf(known: string | undefined, accessToken: string): string {
  return to18(known || (accessToken.split('!', 1)[0] ?? ''))
}
