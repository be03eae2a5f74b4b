import { describe, expect, it } from 'vitest'
import { ApiBudget, type BudgetLevel } from '../../../src/engine/api-budget.js'
import type { PgPoolLike } from '../../../src/postgres/pg-pool-like.js'
import type { ApiUsage } from '../../../src/salesforce/salesforce-types.js'
import { ApiUsageStore } from '../../../src/store/api-usage.js'

// Levels from the org's own usage need no database: they come from Sforce-Limit-Info.
const noDatabase = {} as PgPoolLike

function budget(usage: { current: ApiUsage | undefined }, orgSlowDownAt?: number) {
  const events: [string, BudgetLevel, number, number][] = []
  const api = new ApiBudget(
    new ApiUsageStore(noDatabase, 'salesforce'),
    orgSlowDownAt === undefined ? {} : { orgSlowDownAt },
    (_name, event) => events.push([event.mapping, event.level, event.used, event.budget]),
    () => usage.current,
  )
  return { api, events }
}

describe('ApiBudget and the org-wide API limit', () => {
  it('economises once the org has used 90 % of its daily limit, and says so once', () => {
    const usage: { current: ApiUsage | undefined } = { current: undefined }
    const { api, events } = budget(usage)
    expect(api.level('Account')).toBe('ok') // nothing reported yet
    usage.current = { used: 89_000, max: 100_000 }
    expect(api.level('Account')).toBe('ok')
    usage.current = { used: 90_000, max: 100_000 }
    expect(api.level('Account')).toBe('low')
    expect(api.level('Contact')).toBe('low')
    usage.current = { used: 1_000, max: 100_000 } // a new rolling day
    expect(api.level('Account')).toBe('ok')
    expect(events).toEqual([
      ['*', 'low', 90_000, 100_000],
      ['*', 'ok', 1_000, 100_000],
    ])
  })

  it('takes its threshold from orgSlowDownAt; 1 turns it off', () => {
    const usage = { current: { used: 60, max: 100 } as ApiUsage | undefined }
    expect(budget(usage, 0.5).api.level('Account')).toBe('low')
    usage.current = { used: 100, max: 100 }
    expect(budget(usage, 1).api.level('Account')).toBe('ok')
  })
})
