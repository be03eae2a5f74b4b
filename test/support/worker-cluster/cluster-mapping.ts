import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { Mapping } from '../../../src/mappings/mapping.js'
import { faultAccount } from '../faults/fault-mapping.js'

/** The mapping every process of the worker-cluster run syncs (and the parent installs). */
export const clusterAccount = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry'],
  externalId: 'External_Id__c',
  pollIntervalMs: 2_000,
})

/** The mapping a worker syncs for its config: `clusterAccount` unless the config says otherwise. */
export function workerMapping(config: WorkerConfig): Mapping {
  if (config.externalId === undefined && config.pollIntervalMs === undefined) return clusterAccount
  return faultAccount(config.externalId ?? true, config.pollIntervalMs ?? 2_000)
}

/** What the parent passes a worker process, as JSON in its first argument. */
export interface WorkerConfig {
  readonly name: string
  readonly databaseUrl: string
  readonly schema: string
  readonly instanceUrl: string
  readonly accessToken: string
  readonly takeoverCheckMs?: number
  readonly pushLeaseMs?: number
  /** The engine's `pullLeaseMs` (how long a dead leader's lease holds). */
  readonly pullLeaseMs?: number
  /** Map `External_Id__c` as external id (the fault mapping, `faultAccount`). @default true */
  readonly externalId?: boolean
  /** The mapping's Salesforce poll interval. @default 2000 */
  readonly pollIntervalMs?: number
  /** The Postgres poll's interval (the engine's default sources otherwise). */
  readonly postgresPollMs?: number
  /**
   * Load, write `ready`, and connect and start only when a line arrives on stdin: a restart that
   * does not wait for Node and the modules to load (see `WorkerProcess.prepare`).
   */
  readonly startOnInput?: boolean
}

/** One line a worker writes to stdout. */
export interface WorkerLine {
  readonly event: string
  readonly leader?: boolean
  readonly message?: string
  readonly count?: number
}
