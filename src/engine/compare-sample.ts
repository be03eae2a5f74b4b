import type { MappingSchema } from '../mappings/mapping-schema.js'
import { equalsCaptured, toColumnValue } from '../mappings/value-conversion.js'
import { fieldValue } from '../pull/record-field.js'
import { parseSalesforceDatetime } from '../salesforce/salesforce-datetime.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import type { FieldDifference, RecordDifference } from './verify-report.js'

/**
 * A row of a mapped table with each column as text, as the capture trigger writes it (`asText()`:
 * timestamps as UTC ISO instants), by column name. @internal
 */
export type CapturedRow = Readonly<Record<string, string | null>>

/** One sample to compare: the records of some sfids on both sides. @internal */
export interface Sample {
  readonly plan: MappingSchema
  /** Every sfid the sample covers, from either side. */
  readonly sfids: readonly string[]
  /** What Salesforce returned for them (deleted records included), by Id. */
  readonly records: ReadonlyMap<string, SObjectRecord>
  /** Their rows (soft-deleted ones included), by sfid. */
  readonly rows: ReadonlyMap<string, CapturedRow>
  /** Sfids whose row has unsent changes (NEW, PENDING or FAILED entries). */
  readonly unsent: ReadonlySet<string>
  /**
   * Epoch ms: a record changed at or after this may not have been pulled yet (the pull cursor
   * minus its look-back). `undefined` before the first pull.
   */
  readonly pulledBefore: number | undefined
}

/** What a sample found. @internal */
export interface SampleComparison {
  readonly sampled: number
  readonly differing: RecordDifference[]
  readonly missingInPostgres: string[]
  readonly missingInSalesforce: string[]
  readonly unsent: string[]
  readonly notYetPulled: string[]
}

/**
 * Compares a sample record by record (docs/guides/operations.md, "Verify and repair"):
 * - a row with unsent changes is not drift (`unsent`): the push is on its way;
 * - a record changed in Salesforce since its row was pulled, within the pull's look-back of the
 *   cursor or after it, is on its way too (`notYetPulled`);
 * - a live record with no row is `missingInPostgres`; a live row whose record is deleted or gone
 *   (purged, or outside the mapping's filter) is `missingInSalesforce`; gone on both sides is fine;
 * - otherwise every mapped column is compared with `equalsCaptured`, the comparison a pull's
 *   conflict check uses, so what verify calls different is what a pull would change.
 * @internal
 */
export function compareSample(sample: Sample): SampleComparison {
  const unique = [...new Set(sample.sfids)]
  const found: SampleComparison = {
    sampled: unique.length,
    differing: [],
    missingInPostgres: [],
    missingInSalesforce: [],
    unsent: [],
    notYetPulled: [],
  }
  for (const sfid of unique) {
    const record = sample.records.get(sfid)
    const row = sample.rows.get(sfid)
    if (sample.unsent.has(sfid)) {
      found.unsent.push(sfid)
      continue
    }
    const recordDeleted = record === undefined || record.IsDeleted === true
    if (recordDeleted && !row) continue // gone on both sides
    if (record && changedSincePull(record, row, sample.pulledBefore)) {
      found.notYetPulled.push(sfid)
      continue
    }
    if (!row) {
      found.missingInPostgres.push(sfid)
      continue
    }
    if (recordDeleted && !isTrue(row.isdeleted)) {
      found.missingInSalesforce.push(sfid)
      continue
    }
    if (!record) continue // a soft-deleted row of a purged record
    const fields = fieldDifferences(sample.plan, record, row)
    if (fields.length > 0) found.differing.push({ sfid, fields })
  }
  return found
}

/** The mapped columns whose value in `row` is not the record's (as `equalsCaptured` decides). */
export function fieldDifferences(
  plan: MappingSchema,
  record: SObjectRecord,
  row: CapturedRow,
): FieldDifference[] {
  const differences: FieldDifference[] = []
  for (const column of plan.columns) {
    const value = fieldValue(record, column.field)
    const text = row[column.column] ?? null
    if (column.column === 'sfid' || equalsCaptured(value, text, column.sfType)) continue
    differences.push({
      field: column.field,
      column: column.column,
      salesforce: toColumnValue(value, column.sfType),
      postgres: text,
    })
  }
  return differences
}

/**
 * Whether Salesforce changed the record after its row was pulled, recently enough that the next
 * pull will bring the change: newer than the row's SystemModstamp (or there is no row) and
 * not before `pulledBefore`.
 */
function changedSincePull(
  record: SObjectRecord,
  row: CapturedRow | undefined,
  pulledBefore: number | undefined,
): boolean {
  const changed = parseSalesforceDatetime(record.SystemModstamp)
  if (changed === undefined) return false
  if (pulledBefore !== undefined && changed < pulledBefore) return false
  const pulled = row ? parseSalesforceDatetime(row.systemmodstamp) : undefined
  return pulled === undefined || changed > pulled
}

function isTrue(text: string | null | undefined): boolean {
  return text === 'true' || text === 't'
}
