import { MeteredSalesforceAdapter } from '../salesforce/metered-salesforce-adapter.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'
import type { ApiBudget } from './api-budget.js'

/**
 * Hands out the engine's doors to Salesforce: one metered adapter per mapping (or per object the
 * engine describes), whose calls are counted and taken from that object's API budget. Pulls,
 * pushes, the planner's describes, reconcile and the change sources all go through it, so no
 * call the engine makes escapes the budget (docs/guides/running-in-production.md, "API budget").
 * @internal
 */
export class SalesforceMeter {
  private readonly salesforce: SalesforceAdapter
  private readonly budget: ApiBudget

  constructor(salesforce: SalesforceAdapter, budget: ApiBudget) {
    this.salesforce = salesforce
    this.budget = budget
  }

  /** A door to Salesforce for `object`'s calls; `abandon` gives up its calls in flight. */
  for(object: string, abandon?: AbortSignal): MeteredSalesforceAdapter {
    return new MeteredSalesforceAdapter(this.salesforce, {
      take: (calls) => this.budget.take(object, calls),
      abandon,
    })
  }

  /** Writes the counted-only calls to the usage table (kept for the next flush if it fails). */
  async flush(): Promise<void> {
    await this.budget.flush().catch(() => {})
  }
}
