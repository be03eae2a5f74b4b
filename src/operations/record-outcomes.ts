import type { PullReport } from '../pull/pull-report.js'
import type { PushReport } from '../push/push-report.js'

/** How a synced record ended, as the `outcome` of the records-synced metrics. */
export type RecordOutcome = 'inserted' | 'updated' | 'deleted' | 'refused' | 'succeeded' | 'failed'

/**
 * The records a run synced, by outcome: a pull's inserted, updated, deleted and refused (by
 * Postgres) rows; a push's succeeded and failed (rejected by Salesforce) records. @internal
 */
export function recordOutcomes(
  report: PullReport | PushReport,
): [outcome: RecordOutcome, count: number][] {
  const outcomes: [RecordOutcome, number][] =
    report.direction === 'pull'
      ? [
          ['inserted', report.inserted],
          ['updated', report.updated],
          ['deleted', report.deleted],
          ['refused', report.failed],
        ]
      : [
          ['succeeded', report.succeeded],
          ['failed', report.failed],
        ]
  return outcomes.filter(([, n]) => n > 0)
}
