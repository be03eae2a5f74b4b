/**
 * What `engine.verify()` compares (docs/guides/operations.md, "Verify and repair"). Every number
 * is per mapping.
 */
export interface VerifyOptions {
  /** The objects of the mappings to verify (case-insensitive). @default every mapping */
  readonly objects?: readonly string[]
  /**
   * Live Postgres rows picked at random and read back from Salesforce by id, in calls of 200.
   * `0` compares counts only (with `recent: 0`). @default 200
   */
  readonly sample?: number
  /**
   * The most recently modified Salesforce records (deleted ones included), read in one call and
   * compared with their rows: finds records missing in Postgres and deletes a pull missed.
   * At most 2 000. @default 100
   */
  readonly recent?: number
  /**
   * Re-pull the records found differing or missing, by id, through the normal pull (conflict
   * handling and bookkeeping apply), then read them again to check. @default false
   */
  readonly repair?: boolean
}

/** One column whose value differs between Salesforce and Postgres. */
export interface FieldDifference {
  /** The Salesforce field, e.g. `Score__c`. */
  readonly field: string
  readonly column: string
  /** Salesforce's value, converted as a pull would write it to the column. */
  readonly salesforce: string | number | boolean | null
  /** The column's value as text (timestamps as UTC ISO instants), as the trigger log holds it. */
  readonly postgres: string | null
}

/** A record whose row differs from it. */
export interface RecordDifference {
  readonly sfid: string
  readonly fields: readonly FieldDifference[]
}

/**
 * What `verify()` found for one mapping (also the `verify:completed` event's payload). The lists
 * are what the sample found; `repaired` says which of them a repair fixed.
 */
export interface VerifyReport {
  readonly mapping: string
  /** Records Salesforce has within the mapping's filter (after a repair, when there was one). */
  readonly salesforceCount: number
  /** Live rows with an sfid (after a repair, when there was one). */
  readonly postgresCount: number
  /** Records the sample looked at (random rows and recent records, each once). */
  readonly sampled: number
  /** Records whose row has other values than Salesforce's, column by column. */
  readonly differing: readonly RecordDifference[]
  /** Sfids of live Salesforce records (already pulled, by their SystemModstamp) with no row. */
  readonly missingInPostgres: readonly string[]
  /** Sfids of live rows whose record Salesforce deleted, no longer has, or filters out. */
  readonly missingInSalesforce: readonly string[]
  /** Sampled records whose row has changes not yet sent (NEW, PENDING, FAILED entries): not drift. */
  readonly unsent: readonly string[]
  /** Sampled records changed in Salesforce since the last pull: the next pull brings them. */
  readonly notYetPulled: readonly string[]
  /** With `repair`: the sfids re-pulled and found equal afterwards. Empty otherwise. */
  readonly repaired: readonly string[]
  /**
   * Counts equal and nothing differing or missing, or all of it repaired. `pgforce verify` exits
   * with 2 unless every mapping is in sync.
   */
  readonly inSync: boolean
}
