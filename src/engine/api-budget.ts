import { ApiBudgetExhaustedError } from '../errors/api-budget-exhausted-error.js'
import type { Emit } from '../runs/emit.js'
import type { ApiUsage } from '../salesforce/salesforce-types.js'
import type { ApiUsageStore } from '../store/api-usage.js'

/** Daily Salesforce API call budgets (Heroku Connect's `sf_max_daily_api_calls`). */
export interface ApiBudgetOptions {
  /** Calls all mappings of the connection may make per UTC day, across all workers. */
  readonly dailyCalls?: number
  /** Calls one mapping may make per UTC day, by object API name: `{ Account: 5000 }`. */
  readonly perMapping?: Readonly<Record<string, number>>
  /**
   * Share of a budget after which the engine economises: Salesforce polls run at most every
   * 4 poll intervals and pushes wait `lowBudgetPushDelayMs` to send bigger batches. @default 0.8
   */
  readonly slowDownAt?: number
  /** How long a push waits to gather changes once the budget runs low. @default 30 000 */
  readonly lowBudgetPushDelayMs?: number
  /**
   * Share of the org's own daily API limit, used by every app (as Salesforce reports it in
   * `Sforce-Limit-Info`), after which the engine economises too, with or without budgets of its
   * own, so that pgforce is not what runs the org out. `1` turns it off. @default 0.9
   */
  readonly orgSlowDownAt?: number
}

/** Where a budget stands. */
export type BudgetLevel = 'ok' | 'low' | 'exhausted'

/** The events an API budget raises (part of `SyncEngineEvents`). */
export interface BudgetEvents {
  /**
   * A mapping's API budget changed level: `low` (past `slowDownAt`: polls thin out, pushes batch
   * harder), `exhausted` (calls wait for the next UTC day), or `ok` again. Mapping `*` is the org
   * as a whole (`orgSlowDownAt`).
   */
  budget: [
    event: {
      readonly mapping: string
      readonly level: BudgetLevel
      /** Calls spent today against `budget`. */
      readonly used: number
      readonly budget: number
    },
  ]
}

/**
 * Counts Salesforce API calls per mapping and UTC day in `_pgforce_api_usage`, shared by every
 * worker on the database, and refuses calls past the budgets: each call is taken from the budget
 * with a conditional `UPDATE … WHERE calls + n <= budget`, so concurrent workers can never spend
 * more than it. Without budgets, calls are only counted (flushed after each run).
 * @internal
 */
export class ApiBudget {
  private readonly usage: ApiUsageStore
  private readonly options: ApiBudgetOptions
  private readonly unflushed = new Map<string, number>()
  private readonly levels = new Map<string, BudgetLevel>()
  private readonly orgUsage: () => ApiUsage | undefined
  private orgLevel: BudgetLevel = 'ok'
  private readonly emit: Emit<BudgetEvents>

  constructor(
    usage: ApiUsageStore,
    options: ApiBudgetOptions,
    emit: Emit<BudgetEvents>,
    orgUsage: () => ApiUsage | undefined = () => undefined,
  ) {
    this.usage = usage
    this.options = options
    this.emit = emit
    this.orgUsage = orgUsage
  }

  /** Whether any budget is set (calls are then checked one by one). */
  get limited(): boolean {
    return this.options.dailyCalls !== undefined || this.options.perMapping !== undefined
  }

  /**
   * The last known level of a mapping's budget: the tighter of its own, the connection's, and the
   * org's (`low` once the org as a whole has used `orgSlowDownAt` of its daily limit; reported as
   * a `budget` event of mapping `*`).
   */
  level(object: string): BudgetLevel {
    const own = this.levels.get(object.toLowerCase()) ?? 'ok'
    return own === 'ok' ? this.orgBudgetLevel() : own
  }

  private orgBudgetLevel(): BudgetLevel {
    const usage = this.orgUsage()
    const threshold = this.options.orgSlowDownAt ?? 0.9
    if (!usage || usage.max <= 0 || threshold >= 1) return 'ok'
    const level: BudgetLevel = usage.used / usage.max >= threshold ? 'low' : 'ok'
    if (level !== this.orgLevel) {
      this.orgLevel = level
      this.emit('budget', { mapping: '*', level, used: usage.used, budget: usage.max })
    }
    return level
  }

  /** How long pushes wait to batch once the budget is low. */
  get lowBudgetPushDelayMs(): number {
    return this.options.lowBudgetPushDelayMs ?? 30_000
  }

  /** Takes `calls` from the budgets of `object` and the connection, or throws when it cannot. */
  async take(object: string, calls: number): Promise<void> {
    const key = object.toLowerCase()
    const mappingBudget = this.mappingBudget(object)
    const total = this.options.dailyCalls
    // Without budgets, calls are only counted (written by flush()); before install() there is no
    // usage table to take them from (install's own describes).
    if ((mappingBudget === undefined && total === undefined) || !(await this.usage.installed())) {
      this.unflushed.set(key, (this.unflushed.get(key) ?? 0) + calls)
      return
    }
    const used = await this.usage.take(key, calls, total, mappingBudget)
    if (used.total === undefined || used.object === undefined) {
      this.setLevel(object, 'exhausted', used.object ?? 0, mappingBudget ?? total ?? 0)
      throw new ApiBudgetExhaustedError(
        `The daily Salesforce API budget ${used.total === undefined ? `of the connection (${total})` : `of ${object} (${mappingBudget})`} is spent; calls resume tomorrow (UTC) or when the budget is raised`,
      )
    }
    const share = Math.max(
      total ? used.total / total : 0,
      mappingBudget ? used.object / mappingBudget : 0,
    )
    const low = share >= (this.options.slowDownAt ?? 0.8)
    this.setLevel(object, low ? 'low' : 'ok', used.object, mappingBudget ?? total ?? 0)
  }

  /** Writes counted-only calls (no budget set) to the usage table; kept for later if it fails. */
  async flush(): Promise<void> {
    if (this.unflushed.size === 0) return
    const calls = new Map(this.unflushed)
    this.unflushed.clear()
    try {
      await this.usage.add(calls)
    } catch (error) {
      for (const [object, n] of calls)
        this.unflushed.set(object, (this.unflushed.get(object) ?? 0) + n)
      throw error
    }
  }

  /** Calls made today (UTC), by lower-cased object (`*` for the connection). */
  usedToday(): Promise<Map<string, number>> {
    return this.usage.today()
  }

  private mappingBudget(object: string): number | undefined {
    const entries = Object.entries(this.options.perMapping ?? {})
    return entries.find(([name]) => name.toLowerCase() === object.toLowerCase())?.[1]
  }

  private setLevel(object: string, level: BudgetLevel, used: number, budget: number): void {
    const key = object.toLowerCase()
    // The first level of each mapping is told, `ok` too: a `budget-low` warning an earlier
    // process left open then ends.
    if (this.levels.get(key) === level) return
    this.levels.set(key, level)
    this.emit('budget', { mapping: object, level, used, budget })
  }
}
