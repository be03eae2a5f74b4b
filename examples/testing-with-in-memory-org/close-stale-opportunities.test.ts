import { InMemoryOrg, InMemorySalesforceAdapter } from 'pgforce/testing'
import { beforeEach, describe, expect, it } from 'vitest'
import { closeStaleOpportunities } from './close-stale-opportunities.js'

describe('closeStaleOpportunities', () => {
  let org: InMemoryOrg
  let salesforce: InMemorySalesforceAdapter

  beforeEach(() => {
    org = new InMemoryOrg()
    // Custom fields are added the way they would be in Setup.
    org.addField('Opportunity', { name: 'IsClosed__c', type: 'boolean' })
    salesforce = new InMemorySalesforceAdapter(org)
  })

  it('closes opportunities past their close date and leaves the others', async () => {
    const [stale, current] = org.insert('Opportunity', [
      { Name: 'Old deal', StageName: 'Negotiation', CloseDate: '2026-01-31' },
      { Name: 'New deal', StageName: 'Prospecting', CloseDate: '2027-06-30' },
    ])
    const result = await closeStaleOpportunities(salesforce, '2026-11-22')
    expect(result).toEqual({ closed: 1, failed: [] })
    expect(org.get(stale as string)).toMatchObject({ StageName: 'Closed Lost', IsClosed__c: true })
    expect(org.get(current as string)).toMatchObject({
      StageName: 'Prospecting',
      IsClosed__c: false,
    })
  })

  it('reports the records Salesforce refused', async () => {
    const [locked] = org.insert('Opportunity', [
      { Name: 'Locked', StageName: 'Proposal', CloseDate: '2026-02-01' },
    ])
    org.faults.failRecords({
      objectName: 'Opportunity',
      operation: 'update',
      statusCode: 'UNABLE_TO_LOCK_ROW',
    })
    const result = await closeStaleOpportunities(salesforce, '2026-11-22')
    expect(result).toEqual({ closed: 0, failed: [locked] })
  })

  it('fails loudly when Salesforce is down', async () => {
    org.faults.failRequests({ method: 'PATCH', path: '/composite/sobjects', status: 503 })
    org.insert('Opportunity', [{ Name: 'Any', StageName: 'Proposal', CloseDate: '2026-02-01' }])
    await expect(closeStaleOpportunities(salesforce, '2026-11-22')).rejects.toMatchObject({
      errorCode: 'SERVER_UNAVAILABLE',
      retryable: true,
    })
  })
})
