import type { SObjectDescribe, SObjectRecord } from '../../salesforce/salesforce-types.js'
import type { IdRange } from './id-range.js'

/** What the SOQL engine reads: describes, records, and the clock for date literals. */
export interface SoqlDataSource {
  /** The describe of an object (case-insensitive name), or `undefined` when there is none. */
  describe(objectName: string): SObjectDescribe | undefined
  /** The records of an object: canonical field names, no `attributes`. */
  records(objectName: string, includeDeleted: boolean): Iterable<SObjectRecord>
  /**
   * The records of an object whose Ids' first 15 characters lie within `range` (inclusive), in
   * Id order (`descending` reversed), as an index on Id gives them; `undefined` when the source
   * cannot (then `records()` is read). Optional: a source without it is always read whole.
   */
  recordsInIdOrder?(
    objectName: string,
    includeDeleted: boolean,
    range: IdRange,
    descending: boolean,
  ): Iterable<SObjectRecord> | undefined
  /** Any record by its 15- or 18-character Id, deleted ones included. */
  recordById(id: string): { objectName: string; record: SObjectRecord } | undefined
  /** Now, for `TODAY`, `LAST_N_DAYS:n`, … */
  now(): Date
  /** API version for `attributes.url`. @default '60.0' */
  readonly apiVersion?: string
}
