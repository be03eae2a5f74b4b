import format from 'pg-format'
import type { Connection } from '../connection/connection.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { countSoql } from '../pull/pull-soql.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'

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
 * Looks for drift polls cannot see in one mapping: record counts that differ (a missed delete, a
 * lost row), or formula fields, which change without bumping SystemModstamp; `reload` is called
 * when it finds either. One API call (a COUNT), through the mapping's metered adapter; the plan
 * already says which fields are formulas. @internal
 */
export async function reconcileMapping(
  connection: Connection,
  plan: MappingSchema,
  salesforce: SalesforceAdapter,
  reload: () => Promise<unknown>,
): Promise<ReconcileReport> {
  const salesforceCount = await salesforce.count(countSoql(plan))
  const { rows } = await connection.pool.query<{ n: number }>(
    format(
      'SELECT count(*)::int AS n FROM %I.%I WHERE sfid IS NOT NULL AND isdeleted IS NOT TRUE',
      connection.schema,
      plan.mapping.table,
    ),
  )
  const postgresCount = rows[0]?.n ?? 0
  const formulas = plan.columns.some((c) => c.calculated)
  const reloaded = formulas || salesforceCount !== postgresCount
  if (reloaded) await reload()
  return { mapping: plan.object, salesforceCount, postgresCount, reloaded }
}
