import { describe, expect, it } from 'vitest'
import type { ApiBudget } from '../../../src/engine/api-budget.js'
import {
  MappingRuns,
  type RunReplanner,
  runToCompletion,
} from '../../../src/engine/mapping-runs.js'
import { SalesforceMeter } from '../../../src/engine/salesforce-meter.js'
import { isMissingFieldError, SchemaWatch } from '../../../src/engine/schema-watch.js'
import { SalesforceApiError } from '../../../src/errors/salesforce-api-error.js'
import type { MappingDrift } from '../../../src/mappings/column-drift.js'
import type { MappingSchema } from '../../../src/mappings/mapping-schema.js'
import type { PullReport } from '../../../src/pull/pull-report.js'
import type { SalesforceAdapter } from '../../../src/salesforce/salesforce-adapter.js'
import type { SyncStore } from '../../../src/store/sync-store.js'

// A run that finds its plan stale (Salesforce says a field does not exist; Postgres refuses a
// value that no longer fits) runs once more with the plan a fresh describe gives.
const stale = { object: 'Account', mapping: { table: 'account' } } as unknown as MappingSchema
const fresh = { object: 'Account', mapping: { table: 'account' } } as unknown as MappingSchema
const noSuchColumn = new SalesforceApiError("No such column 'Region__c' on entity 'Account'", {
  errorCode: 'INVALID_FIELD',
  statusCode: 400,
})

function pullReport(counts: Partial<PullReport> = {}): Omit<PullReport, 'apiCalls'> {
  return {
    direction: 'pull',
    mapping: 'Account',
    inserted: 0,
    updated: 0,
    deleted: 0,
    failed: 0,
    keptUnsent: 0,
    durationMs: 1,
    ...counts,
  }
}

function harness(
  pull: (plan: MappingSchema) => Promise<Omit<PullReport, 'apiCalls'>>,
  replanner: Partial<RunReplanner>,
) {
  const events: [string, unknown][] = []
  const budget = { take: async () => {}, flush: async () => {} } as unknown as ApiBudget
  const runs = new MappingRuns({
    runners: () => ({
      pull: { run: (plan) => pull(plan) },
      push: { run: async () => Promise.reject(new Error('no push here')) },
    }),
    meter: new SalesforceMeter({} as SalesforceAdapter, budget),
    emit: (name, ...payload) => events.push([name, payload[0]]),
    replanner: {
      afterError: async () => undefined,
      afterRefusals: async () => undefined,
      ...replanner,
    },
  })
  const run = () =>
    runs.run(
      'pull',
      stale,
      [{ object: 'Account', direction: 'pull', reason: 'poll' }],
      runToCompletion(),
    )
  return { run, events }
}

describe('MappingRuns with a replanner', () => {
  it('runs once more with the fresh plan after Salesforce says a field does not exist', async () => {
    const plans: MappingSchema[] = []
    const { run, events } = harness(
      async (plan) => {
        plans.push(plan)
        if (plan === stale) throw noSuchColumn
        return pullReport({ updated: 2 })
      },
      { afterError: async (_plan, error) => (isMissingFieldError(error) ? fresh : undefined) },
    )
    expect(await run()).toMatchObject({ updated: 2 })
    expect(plans).toEqual([stale, fresh])
    expect(events.map(([name]) => name)).toEqual(['pull:started', 'pull:completed'])
  })

  it('fails as before when a fresh describe changes nothing, and never loops', async () => {
    let runs = 0
    const { run } = harness(
      async () => {
        runs += 1
        throw noSuchColumn
      },
      { afterError: async (plan) => (plan === stale ? fresh : undefined) },
    )
    await expect(run()).rejects.toBe(noSuchColumn)
    expect(runs).toBe(2)
  })

  it('reads refused records again once a fresh describe widened their column', async () => {
    const { run } = harness(
      async (plan) =>
        plan === stale ? pullReport({ updated: 3, failed: 1 }) : pullReport({ updated: 1 }),
      { afterRefusals: async () => fresh },
    )
    expect(await run()).toMatchObject({ updated: 4, failed: 0 })
  })

  it('goes on when the describe a refusal asked for fails, and says so', async () => {
    const { run, events } = harness(async () => pullReport({ failed: 1 }), {
      afterRefusals: async () => Promise.reject(new Error('describe failed')),
    })
    expect(await run()).toMatchObject({ failed: 1 })
    expect(events).toContainEqual([
      'error',
      expect.objectContaining({ context: 'describe refresh' }),
    ])
  })
})

describe('SchemaWatch', () => {
  const drift = (change: MappingDrift['change'], to?: string): MappingDrift => ({
    mapping: 'Account',
    table: 'account',
    field: 'Region__c',
    column: 'region__c',
    change,
    to,
  })

  it('reports what stays wrong once, and again after it was put right', () => {
    const emitted: MappingDrift[] = []
    const watch = new SchemaWatch({
      store: {} as SyncStore,
      emit: (_name, event) => emitted.push(event),
      planner: () => {
        throw new Error('not used')
      },
    })
    watch.report(drift('deleted'))
    watch.report(drift('deleted'))
    watch.report(drift('type-changed', 'text'))
    watch.report(drift('type-changed', 'text'))
    watch.report(drift('restored'))
    watch.report(drift('deleted'))
    expect(emitted.map((d) => d.change)).toEqual(['deleted', 'type-changed', 'restored', 'deleted'])
  })

  it('tells a missing field from other Salesforce errors', () => {
    expect(isMissingFieldError(noSuchColumn)).toBe(true)
    expect(
      isMissingFieldError(
        new SalesforceApiError('unavailable', { errorCode: 'SERVER_UNAVAILABLE', statusCode: 503 }),
      ),
    ).toBe(false)
    expect(isMissingFieldError(new Error('No such column'))).toBe(false)
  })
})
