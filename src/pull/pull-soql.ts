import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { PullCursor } from '../store/cursors.js'

/** Records per keyset page: Salesforce's largest REST batch. */
export const PULL_PAGE_SIZE = 2000

/** The fields a pull selects: every mapped column's field, system fields first. */
export function selectFields(plan: MappingSchema): string[] {
  return plan.columns.map((c) => c.field)
}

/**
 * The keyset query of one pull page: records after the cursor in `(SystemModstamp, Id)` order
 * (never on SystemModstamp alone: ties would lose records at a page boundary), with the mapping's
 * row filter, deleted records included (the caller uses `queryAll`). A cursor without an id
 * (where a pull starts: the stored cursor minus the look-back) reads from that instant on.
 */
export function keysetSoql(
  plan: MappingSchema,
  cursor: PullCursor | undefined,
  /** `null`: no LIMIT (Salesforce pages the result). */
  limit: number | null = PULL_PAGE_SIZE,
): string {
  const conditions: string[] = []
  if (cursor) {
    const t = cursor.systemModstamp
    conditions.push(`(SystemModstamp > ${t} OR (SystemModstamp = ${t} AND Id > '${cursor.id}'))`)
  }
  if (plan.mapping.where) conditions.push(`(${plan.mapping.where})`)
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''
  return `SELECT ${selectFields(plan).join(', ')} FROM ${plan.object}${where} ORDER BY SystemModstamp ASC, Id ASC${limit === null ? '' : ` LIMIT ${limit}`}`
}

/**
 * The query that re-reads specific records (streaming hints, retries, rechecks, repairs), deleted
 * ones included, within the mapping's row filter like every other read: a change event names
 * records whatever the filter, and those outside it are not the mapping's.
 */
export function byIdSoql(plan: MappingSchema, ids: readonly string[]): string {
  const list = ids.map((id) => `'${id.replace(/[^A-Za-z0-9]/g, '')}'`).join(', ')
  const filter = plan.mapping.where ? ` AND (${plan.mapping.where})` : ''
  return `SELECT ${selectFields(plan).join(', ')} FROM ${plan.object} WHERE Id IN (${list})${filter}`
}

/**
 * `SELECT COUNT() FROM <object>` within the mapping's row filter, of records changed since a
 * cursor's instant when one is given: what a load or a catch-up would read. One call.
 */
export function countSoql(plan: MappingSchema, since?: PullCursor): string {
  const conditions = [
    ...(since ? [`SystemModstamp >= ${since.systemModstamp}`] : []),
    ...(plan.mapping.where ? [`(${plan.mapping.where})`] : []),
  ]
  return `SELECT COUNT() FROM ${plan.object}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`
}

/**
 * `engine.verify()`'s read of sampled records by id: as {@link byIdSoql}, within the mapping's
 * row filter, so a record the filter leaves out is not taken for the row's record.
 */
export function sampleByIdSoql(plan: MappingSchema, ids: readonly string[]): string {
  const filter = plan.mapping.where ? ` AND (${plan.mapping.where})` : ''
  return `${byIdSoql(plan, ids)}${filter}`
}

/** The `limit` most recently modified records within the mapping's row filter (`verify()`). */
export function recentSoql(plan: MappingSchema, limit: number): string {
  const where = plan.mapping.where ? ` WHERE (${plan.mapping.where})` : ''
  return `SELECT ${selectFields(plan).join(', ')} FROM ${plan.object}${where} ORDER BY SystemModstamp DESC, Id DESC LIMIT ${limit}`
}
