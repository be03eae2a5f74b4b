/**
 * Live-org settings from the environment, or `undefined` when none are set (then every live test
 * skips itself). Only tests read the environment; the library never does.
 */
export interface LiveOrgSettings {
  readonly instanceUrl?: string | undefined
  readonly accessToken?: string | undefined
  readonly loginUrl?: string | undefined
  readonly username?: string | undefined
  readonly password?: string | undefined
}

export function liveOrgSettings(env: NodeJS.ProcessEnv = process.env): LiveOrgSettings | undefined {
  const settings: LiveOrgSettings = {
    instanceUrl: env.SALESFORCE_INSTANCE_URL,
    accessToken: env.SALESFORCE_ACCESS_TOKEN,
    loginUrl: env.SALESFORCE_LOGIN_URL,
    username: env.SALESFORCE_USERNAME,
    password: env.SALESFORCE_PASSWORD,
  }
  const byToken = settings.instanceUrl && settings.accessToken
  const byLogin = settings.loginUrl && settings.username && settings.password
  return byToken || byLogin ? settings : undefined
}
