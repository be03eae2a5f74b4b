import { JsforceAdapter } from '../../../src/salesforce/jsforce/jsforce-adapter.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { salesforceAdapterContract } from '../../contract/salesforce-adapter-contract.js'

salesforceAdapterContract('JsforceAdapter → SalesforceEmulator over HTTP', async () => {
  const emulator = await SalesforceEmulator.start({
    orgOptions: { dailyApiLimit: 1_000_000 },
    longPollTimeoutMs: 2_000,
  })
  const { clientId, clientSecret, refreshToken } = emulator.credentials
  const adapter = await JsforceAdapter.create({
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
    refreshToken,
    clientId,
    clientSecret,
    loginUrl: emulator.loginUrl,
    streamingRetryMs: 100,
  })
  return {
    adapter,
    org: emulator.org,
    cleanup: async () => {
      await adapter.close()
      await emulator.stop()
    },
  }
})
