import type { MappingSchema } from '../mappings/mapping-schema.js'
import {
  type VerifyMappingContext,
  type VerifyMappingOptions,
  verifyMapping,
} from './verify-mapping.js'
import type { VerifyReport } from './verify-report.js'

/** What a reconcile found for one mapping. */
export interface ReconcileReport {
  readonly mapping: string
  /** Records Salesforce has (within the mapping's filter), after the sample's repair. */
  readonly salesforceCount: number
  /** Live rows with an sfid in Postgres, after the sample's repair. */
  readonly postgresCount: number
  /** Records the value sample found differing or missing (see `verify:completed`). */
  readonly differing: number
  /** Of those, the ones a re-pull by id repaired. */
  readonly repaired: number
  /** Whether the mapping was reloaded (the counts still differed). */
  readonly reloaded: boolean
}

/**
 * Looks for drift polls cannot see in one mapping (docs/guides/operations.md, "Verify and
 * repair"): `verifyMapping` with repair — values that changed without a SystemModstamp bump
 * (formula and roll-up fields) or behind the engine's back in Postgres, and sampled records
 * missing on one side, are re-pulled by id — then, when the record counts still differ (a lost
 * row or a missed delete outside the sample: a row Postgres lacks cannot be found by id from
 * Postgres, a purged record cannot be re-read), `reload` reads the whole mapping again. A few API
 * calls (a COUNT, the sample's reads), through the mapping's metered adapter. @internal
 */
export async function reconcileMapping(
  context: VerifyMappingContext,
  plan: MappingSchema,
  options: VerifyMappingOptions,
  reload: () => Promise<unknown>,
): Promise<{ reconcile: ReconcileReport; verify: VerifyReport }> {
  const verify = await verifyMapping(context, plan, options)
  const reloaded = verify.salesforceCount !== verify.postgresCount
  if (reloaded) await reload()
  return {
    verify,
    reconcile: {
      mapping: plan.object,
      salesforceCount: verify.salesforceCount,
      postgresCount: verify.postgresCount,
      differing:
        verify.differing.length +
        verify.missingInPostgres.length +
        verify.missingInSalesforce.length,
      repaired: verify.repaired.length,
      reloaded,
    },
  }
}
