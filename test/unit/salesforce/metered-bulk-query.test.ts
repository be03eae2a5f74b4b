import { describe, expect, it } from 'vitest'
import { MeteredSalesforceAdapter } from '../../../src/salesforce/metered-salesforce-adapter.js'
import { InMemorySalesforceAdapter } from '../../../src/testing/in-memory-salesforce-adapter.js'
import { InMemoryOrg } from '../../../src/testing/org/in-memory-org.js'

/** Reads a Bulk 2.0 query through the meter; the calls the meter and the org counted. */
async function load(
  org: InMemoryOrg,
  soql: string,
  options: { readonly pageSize?: number } = { pageSize: 5_000 },
) {
  const meter = new MeteredSalesforceAdapter(new InMemorySalesforceAdapter(org))
  const before = org.api.used
  let records = 0
  for await (const page of meter.bulkQuery(soql, options)) records += page.length
  return { records, metered: meter.calls, counted: org.api.used - before }
}

describe('a Bulk 2.0 query on the in-memory adapter', () => {
  const org = new InMemoryOrg()
  org.insert(
    'Account',
    Array.from({ length: 12_000 }, (_, i) => ({ Name: `Load ${i}` })),
  )

  it('is counted by its org as the meter charges it: create, a poll, one call per page', async () => {
    expect(await load(org, 'SELECT Id FROM Account')).toEqual({
      records: 12_000,
      metered: 5,
      counted: 5,
    })
  })

  it('costs three calls with no results', async () => {
    expect(await load(org, "SELECT Id FROM Account WHERE Name = 'none'")).toEqual({
      records: 0,
      metered: 3,
      counted: 3,
    })
  })

  it('counts every further status poll of a job that is still running', async () => {
    org.faults.slowBulkQueries(2)
    try {
      expect(await load(org, 'SELECT Id FROM Account')).toEqual({
        records: 12_000,
        metered: 7,
        counted: 7,
      })
    } finally {
      org.faults.clear()
    }
  })

  it('reads pages of 50 000 records unless told otherwise, as over HTTP', async () => {
    expect(await load(org, 'SELECT Id FROM Account', {})).toEqual({
      records: 12_000,
      metered: 3,
      counted: 3,
    })
  })

  it('polls the job on the path the emulator serves, where a fault meets it', async () => {
    // GET /services/data/vXX.X/jobs/query/<job id>: the status poll, not its result pages.
    org.faults.failRequests({ method: 'GET', path: /\/jobs\/query\/[^/]+$/, status: 503, count: 1 })
    try {
      await expect(load(org, 'SELECT Id FROM Account')).rejects.toMatchObject({ statusCode: 503 })
    } finally {
      org.faults.clear()
    }
  })
})
