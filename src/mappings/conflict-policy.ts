import type { SObjectRecord } from '../salesforce/salesforce-types.js'

/** A record changed on both sides since it was last synced. */
export interface Conflict {
  /** Salesforce object of the mapping. */
  readonly mapping: string
  readonly sfid: string
  /** `id` of the row. */
  readonly recordId: number
  /** The record as Salesforce has it now (API names). */
  readonly salesforce: Readonly<SObjectRecord>
  /** The row's changes not yet sent to Salesforce: column → value as captured (text). */
  readonly postgres: Readonly<Record<string, string | null>>
  /** When Salesforce last changed the record (`SystemModstamp`). */
  readonly salesforceChangedAt: Date
  /** When the row last changed in Postgres (its newest unsent change). */
  readonly postgresChangedAt: Date
}

/** Which side a conflict resolves to. */
export type ConflictWinner = 'salesforce' | 'postgres'

/** Decides a conflict yourself: return the side whose changes are kept. */
export type ConflictResolver = (conflict: Conflict) => ConflictWinner | Promise<ConflictWinner>

/**
 * What happens when a record changed on both sides since the last sync:
 * - `last-writer-wins` (default): the later change wins, by Salesforce's `SystemModstamp` against
 *   the time Postgres captured its change;
 * - `salesforce-wins`: Salesforce's record is applied and the row's unsent changes are dropped
 *   (their `_trigger_log` entries are archived IGNORED);
 * - `postgres-wins`: the row keeps its changed columns, which are then sent to Salesforce; columns
 *   it did not change take Salesforce's values;
 * - a function deciding each conflict.
 */
export type ConflictPolicy =
  | 'last-writer-wins'
  | 'salesforce-wins'
  | 'postgres-wins'
  | ConflictResolver

/** A conflict and how it was resolved, as the `conflict` event reports it. */
export interface ConflictEvent extends Conflict {
  readonly winner: ConflictWinner
  /** The policy that decided: its name, or `function`. */
  readonly policy: string
}
