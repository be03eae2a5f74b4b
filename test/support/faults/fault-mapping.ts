import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { Mapping } from '../../../src/mappings/mapping.js'

/**
 * The mapping of the fault suite and crash runs: `Account`, read/write, `Name` and `Industry`,
 * with `External_Id__c` as external id unless `externalId` is false (then a resent insert creates
 * a second record). Polls Salesforce every `pollIntervalMs` (1 s, the least allowed, by default).
 */
export function faultAccount(externalId = true, pollIntervalMs = 1_000): Mapping {
  return defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name', 'Industry'],
    ...(externalId && { externalId: 'External_Id__c' }),
    pollIntervalMs,
  })
}

/** `url` with `application_name` set, so a test can find (and terminate) pgforce's backends. */
export function withApplicationName(url: string, applicationName: string): string {
  const parsed = new URL(url)
  parsed.searchParams.set('application_name', applicationName)
  return parsed.toString()
}
