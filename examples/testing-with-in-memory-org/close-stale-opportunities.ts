import type { SalesforceAdapter } from 'pgforce'

/**
 * A piece of app code to test: closes every open opportunity whose close date has passed, and
 * says how many it closed and which it could not.
 */
export async function closeStaleOpportunities(
  salesforce: SalesforceAdapter,
  today: string,
): Promise<{ closed: number; failed: string[] }> {
  const stale: { Id: string }[] = []
  for await (const opportunity of salesforce.query<{ Id: string }>(
    `SELECT Id FROM Opportunity WHERE IsClosed__c = false AND CloseDate < ${today}`,
  )) {
    stale.push(opportunity)
  }
  const results = await salesforce.update(
    'Opportunity',
    stale.map((o) => ({ Id: o.Id, StageName: 'Closed Lost', IsClosed__c: true })),
  )
  return {
    closed: results.filter((r) => r.success).length,
    failed: results.flatMap((r, i) => (r.success ? [] : [stale[i]?.Id ?? '?'])),
  }
}
