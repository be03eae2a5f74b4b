import { defineMapping } from '../../../src/mappings/define-mapping.js'

/** The mapping every process of the worker-cluster run syncs (and the parent installs). */
export const clusterAccount = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry'],
  externalId: 'External_Id__c',
  pollIntervalMs: 2_000,
})

/** What the parent passes a worker process, as JSON in its first argument. */
export interface WorkerConfig {
  readonly name: string
  readonly databaseUrl: string
  readonly schema: string
  readonly instanceUrl: string
  readonly accessToken: string
  readonly takeoverCheckMs?: number
  readonly pushLeaseMs?: number
}

/** One line a worker writes to stdout. */
export interface WorkerLine {
  readonly event: string
  readonly leader?: boolean
  readonly message?: string
  readonly count?: number
}
