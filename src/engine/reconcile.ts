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
  /**
   * Whether the mapping was reloaded: the counts still differed, or so much of the sample had
   * drifted (5 %) that the rest of the table must have too.
   */
  readonly reloaded: boolean
}

/**
 * The share of a sample found drifted from which the drift is taken for systematic (a formula
 * whose definition changed, a `TODAY()` formula, a column rewritten by a script): re-pulling the
 * sample cannot reach the rest of the table, so the mapping is reloaded.
 */
const SYSTEMATIC_DRIFT_SHARE = 0.05

/**
 * Looks for drift polls cannot see in one mapping (docs/guides/operations.md, "Verify and
 * repair"): `verifyMapping` with repair — values that changed without a SystemModstamp bump
 * (formula and roll-up fields) or behind the engine's back in Postgres, and sampled records
 * missing on one side, are re-pulled by id — then `reload` reads the whole mapping again when the
 * record counts still differ (a lost row or a missed delete outside the sample: a row Postgres
 * lacks cannot be found by id from Postgres, a purged record cannot be re-read), or when at least
 * 5 % of a sample that did not cover the whole table had drifted (the rest of the table has too).
 * A few API calls (a COUNT, the sample's reads), through the mapping's metered adapter. @internal
 */
export async function reconcileMapping(
  context: VerifyMappingContext,
  plan: MappingSchema,
  options: VerifyMappingOptions,
  reload: () => Promise<unknown>,
): Promise<{ reconcile: ReconcileReport; verify: VerifyReport }> {
  const verify = await verifyMapping(context, plan, options)
  const drifted =
    verify.differing.length + verify.missingInPostgres.length + verify.missingInSalesforce.length
  const systematic =
    verify.sampled < verify.postgresCount &&
    drifted > 0 &&
    drifted >= SYSTEMATIC_DRIFT_SHARE * verify.sampled
  const reloaded = verify.salesforceCount !== verify.postgresCount || systematic
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
