import format from 'pg-format'
import type { Connection } from '../connection/connection.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'

/** What a reconcile found for one mapping. */
export interface ReconcileReport {
  readonly mapping: string
  /** Records Salesforce has (within the mapping's filter). */
  readonly salesforceCount: number
  /** Live rows with an sfid in Postgres. */
  readonly postgresCount: number
  /** Whether the mapping was reloaded (counts differ, or it maps formula fields). */
  readonly reloaded: boolean
}

/**
 * Decides whether a mapping has drifted in ways polls cannot see: record counts that differ (a
 * missed delete, a lost row), or formula fields, which change without bumping SystemModstamp.
 * One COUNT() call; the caller reloads when needed. @internal
 */
export async function needsReload(
  connection: Connection,
  plan: MappingSchema,
): Promise<Omit<ReconcileReport, 'reloaded'> & { reload: boolean }> {
  const where = plan.mapping.where ? ` WHERE ${plan.mapping.where}` : ''
  const salesforceCount = await connection.salesforce.count(
    `SELECT COUNT() FROM ${plan.object}${where}`,
  )
  const { rows } = await connection.pool.query<{ n: number }>(
    format(
      'SELECT count(*)::int AS n FROM %I.%I WHERE sfid IS NOT NULL AND isdeleted IS NOT TRUE',
      connection.schema,
      plan.mapping.table,
    ),
  )
  const postgresCount = rows[0]?.n ?? 0
  const describe = await connection.salesforce.describe(plan.object)
  const mapped = new Set(plan.columns.map((c) => c.field))
  const formulas = describe.fields.some((f) => f.calculated && mapped.has(f.name))
  return {
    mapping: plan.object,
    salesforceCount,
    postgresCount,
    reload: formulas || salesforceCount !== postgresCount,
  }
}
