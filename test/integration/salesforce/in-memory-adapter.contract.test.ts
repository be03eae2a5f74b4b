import { InMemorySalesforceAdapter } from '../../../src/testing/in-memory-salesforce-adapter.js'
import { InMemoryOrg } from '../../../src/testing/org/in-memory-org.js'
import { salesforceAdapterContract } from '../../contract/salesforce-adapter-contract.js'

salesforceAdapterContract('InMemorySalesforceAdapter', async () => {
  const org = new InMemoryOrg({ dailyApiLimit: 1_000_000 })
  const adapter = new InMemorySalesforceAdapter(org)
  return { adapter, org, cleanup: () => adapter.close() }
})
