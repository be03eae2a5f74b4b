import { afterEach, expect, onTestFailed } from 'vitest'
import type { TestDatabase } from '../test-database.js'
import { FaultRun, type FaultRunOptions } from './fault-run.js'

/** What {@link useFaultRun} gives a test file. */
export interface FaultRunHelpers {
  /**
   * Opens a run on the file's database (closed after the test; a test may open several); its
   * events print on failure.
   */
  open(options?: Partial<FaultRunOptions>): Promise<FaultRun>
  /**
   * Stops the workload and expects both sides to agree within `timeoutMs`, with no record
   * rejected; resolves with the time it took.
   */
  expectConverged(run: FaultRun, timeoutMs?: number): Promise<number>
}

/**
 * The fault suite's per-file setup: one {@link FaultRun} per test on the file's database, closed
 * after it (`PGFORCE_FAULTS_LOG=1` prints every run's engine events).
 */
export function useFaultRun(
  db: () => TestDatabase | { url: string; pool: TestDatabase['pool'] },
): FaultRunHelpers {
  const runs: FaultRun[] = []
  afterEach(async () => {
    const failures: unknown[] = []
    for (const run of runs.splice(0)) {
      if (process.env.PGFORCE_FAULTS_LOG) console.log(run.describe())
      await run.close().catch((error: unknown) => failures.push(error)) // close the others too
    }
    if (failures.length > 0) throw failures[0]
  })
  return {
    async open(options = {}) {
      const opened = await FaultRun.open({ databaseUrl: db().url, appPool: db().pool, ...options })
      runs.push(opened)
      onTestFailed(() =>
        console.log(
          `engine events (${opened.child ? 'child process' : 'in process'}):\n${opened.describe()}`,
        ),
      )
      return opened
    },
    async expectConverged(r, timeoutMs) {
      const { problems, settleMs } = await r.settle(timeoutMs)
      expect(problems).toEqual([])
      expect(r.seen('record:failed')).toEqual([])
      return settleMs
    },
  }
}
