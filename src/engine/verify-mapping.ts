import { OptionReader } from '../config/option-reader.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { countSoql, recentSoql, sampleByIdSoql } from '../pull/pull-soql.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import type { Queryable } from '../store/queryable.js'
import type { SyncStore } from '../store/sync-store.js'
import { compareSample, type SampleComparison } from './compare-sample.js'
import { MappedTableSample } from './mapped-table-sample.js'
import type { VerifyOptions, VerifyReport } from './verify-report.js'

/** Records per by-id read: Salesforce takes a few hundred ids in one `IN (…)`. */
const IDS_PER_CALL = 200

/** What verifying one mapping works with. @internal */
export interface VerifyMappingContext {
  /** The mapped tables' pool and schema. */
  readonly db: Queryable
  readonly schema: string
  /** pgforce's bookkeeping: the pull cursor, unsent changes. */
  readonly store: SyncStore
  /** The mapping's metered door to Salesforce: every call counts against the API budget. */
  readonly salesforce: SalesforceAdapter
  /** How far before its cursor a pull starts (records changed after that may not be pulled yet). */
  readonly lookbackMs: number
}

/**
 * `verify()`'s sample sizes, defaults applied (200 random rows, 100 recent records); a bad size
 * is a `ConfigError`. @internal
 */
export function sampleSizes(options: VerifyOptions): { sample: number; recent: number } {
  const read = new OptionReader('verify options')
  const sample = read.integer('sample', options.sample ?? 200, { min: 0 })
  const recent = read.integer('recent', options.recent ?? 100, { min: 0, max: 2000 })
  read.finish()
  return { sample: sample ?? 200, recent: recent ?? 100 }
}

/** How much to sample, and how to repair. @internal */
export interface VerifyMappingOptions {
  readonly sample: number
  readonly recent: number
  /** Re-pulls records by id through the normal pull; none when verifying only. */
  readonly repair?: ((sfids: readonly string[]) => Promise<unknown>) | undefined
}

/**
 * Compares one mapping's Salesforce records with its rows (docs/guides/operations.md, "Verify and
 * repair"): the record counts (one COUNT call), then a sample — `sample` random live rows read
 * back by id in calls of 200, and the `recent` most recently modified records in one more call —
 * compared value by value ({@link compareSample}). With `repair`, the records found differing or
 * missing are re-pulled by id and read again: `repaired` lists those now equal, and the counts are
 * taken again. Every Salesforce call goes through `context.salesforce`.
 * @internal
 */
export async function verifyMapping(
  context: VerifyMappingContext,
  plan: MappingSchema,
  options: VerifyMappingOptions,
): Promise<VerifyReport> {
  const table = new MappedTableSample(context.db, context.schema, plan)
  let counts = await countBoth(context, plan, table)
  const random = await table.randomSfids(options.sample)
  const recent =
    options.recent > 0
      ? await collect(context.salesforce.queryAll(recentSoql(plan, options.recent)))
      : []
  const known = new Map(recent.map((r) => [String(r.Id), r]))
  const found = await compare(context, plan, table, [...known.keys(), ...random], known)
  const drifted = [
    ...found.differing.map((d) => d.sfid),
    ...found.missingInPostgres,
    ...found.missingInSalesforce,
  ]
  let repaired: string[] = []
  if (options.repair && drifted.length > 0) {
    await options.repair(drifted)
    const after = await compare(context, plan, table, drifted, new Map())
    const remaining = new Set([
      ...after.differing.map((d) => d.sfid),
      ...after.missingInPostgres,
      ...after.missingInSalesforce,
    ])
    repaired = drifted.filter((sfid) => !remaining.has(sfid))
    // The repair changed rows: counts that matched may no longer (a lost row and a purged
    // record cancel out), and counts that differed may match now.
    counts = await countBoth(context, plan, table)
  }
  return {
    mapping: plan.object,
    salesforceCount: counts.salesforce,
    postgresCount: counts.postgres,
    sampled: found.sampled,
    differing: found.differing,
    missingInPostgres: found.missingInPostgres,
    missingInSalesforce: found.missingInSalesforce,
    unsent: found.unsent,
    notYetPulled: found.notYetPulled,
    repaired,
    inSync: counts.salesforce === counts.postgres && repaired.length === drifted.length,
  }
}

async function countBoth(
  context: VerifyMappingContext,
  plan: MappingSchema,
  table: MappedTableSample,
): Promise<{ salesforce: number; postgres: number }> {
  const salesforce = await context.salesforce.count(countSoql(plan))
  return { salesforce, postgres: await table.liveCount() }
}

/**
 * Reads what Salesforce has of `sfids` (those not in `known`, by id, deleted records included)
 * and the rows, and compares them.
 */
async function compare(
  context: VerifyMappingContext,
  plan: MappingSchema,
  table: MappedTableSample,
  sfids: readonly string[],
  known: ReadonlyMap<string, SObjectRecord>,
): Promise<SampleComparison> {
  const unique = [...new Set(sfids)]
  const records = new Map(known)
  const toRead = unique.filter((sfid) => !records.has(sfid))
  for (let i = 0; i < toRead.length; i += IDS_PER_CALL) {
    const ids = toRead.slice(i, i + IDS_PER_CALL)
    for await (const record of context.salesforce.queryAll(sampleByIdSoql(plan, ids)))
      records.set(String(record.Id), record)
  }
  const cursor = await context.store.cursors.pull(plan.mapping.table)
  return compareSample({
    plan,
    sfids: unique,
    records,
    rows: await table.rows(unique),
    unsent: await context.store.unsentChanges.withUnsent(plan.mapping.table, unique),
    pulledBefore: cursor ? Date.parse(cursor.systemModstamp) - context.lookbackMs : undefined,
  })
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}
