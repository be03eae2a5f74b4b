import { describe, expect, it } from 'vitest'
import { JsforceAdapter } from '../../src/salesforce/jsforce/jsforce-adapter.js'
import { liveOrgSettings } from './live-org.js'

const settings = liveOrgSettings()

/**
 * Against a real org (a sandbox or scratch org): read-only checks that need no setup. Runs only
 * when SALESFORCE_INSTANCE_URL + SALESFORCE_ACCESS_TOKEN or SALESFORCE_LOGIN_URL +
 * SALESFORCE_USERNAME + SALESFORCE_PASSWORD are set.
 */
describe.skipIf(!settings)('JsforceAdapter against a live org', () => {
  const open = () =>
    settings?.instanceUrl && settings.accessToken
      ? JsforceAdapter.create({
          instanceUrl: settings.instanceUrl,
          accessToken: settings.accessToken,
        })
      : JsforceAdapter.create({
          loginUrl: settings?.loginUrl,
          username: settings?.username ?? '',
          password: settings?.password ?? '',
        })

  it('describes Account and pages a query', async () => {
    const adapter = await open()
    try {
      const describe = await adapter.describe('Account')
      expect(describe.fields.some((f) => f.name === 'Name')).toBe(true)
      let count = 0
      for await (const _ of adapter.query('SELECT Id FROM Account LIMIT 300', { pageSize: 200 }))
        count += 1
      expect(count).toBeLessThanOrEqual(300)
      expect(adapter.apiUsage?.max).toBeGreaterThan(0)
    } finally {
      await adapter.close()
    }
  })

  it("answers a malformed query with Salesforce's error", async () => {
    const adapter = await open()
    try {
      await expect(adapter.count('SELEC Id FROM Account')).rejects.toMatchObject({
        errorCode: 'MALFORMED_QUERY',
      })
    } finally {
      await adapter.close()
    }
  })
})
