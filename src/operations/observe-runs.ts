import { performance } from 'node:perf_hooks'
import type { PullReport } from '../pull/pull-report.js'
import type { PushReport } from '../push/push-report.js'
import { traceChannels } from './trace-channels.js'

/** One pull or push that ended, as the tracing channels saw it. */
export interface RunObservation {
  readonly direction: 'pull' | 'push'
  readonly schema: string
  readonly mapping: string
  readonly durationMs: number
  /** The run's report, when it completed. */
  readonly report: PullReport | PushReport | undefined
  /** What it threw, when it failed. */
  readonly error: unknown
}

/** One pull made for Change Data Capture events that ended. */
export interface StreamBatchObservation {
  readonly schema: string
  readonly mapping: string
  readonly events: number
  /** From the oldest event's commit in Salesforce to its rows committed in Postgres. */
  readonly lagMs: number
  readonly error: unknown
}

/**
 * Subscribes to pgforce's tracing channels (`pgforce:pull`, `pgforce:push`,
 * `pgforce:stream-batch`) and hands each ended run to `handlers`, only those of `schema` when
 * given. Returns the function that unsubscribes. The Prometheus metrics of `pgforce run` and
 * `pgforce/otel` are built on it.
 */
export function observeRuns(
  handlers: {
    run?(observation: RunObservation): void
    streamBatch?(observation: StreamBatchObservation): void
  },
  schema?: string,
): () => void {
  const channels = traceChannels()
  const started = new WeakMap<object, number>()
  const ours = (context: { schema: string }) => schema === undefined || context.schema === schema
  const start = (context: object) => started.set(context, performance.now())
  const elapsed = (context: object) =>
    performance.now() - (started.get(context) ?? performance.now())
  const run =
    (direction: 'pull' | 'push') =>
    (context: {
      schema: string
      mapping: string
      result?: PullReport | PushReport
      error?: unknown
    }) => {
      if (!ours(context)) return
      handlers.run?.({
        direction,
        schema: context.schema,
        mapping: context.mapping,
        durationMs: elapsed(context),
        report: context.result,
        error: context.error,
      })
    }
  const pull = { start, asyncEnd: run('pull') }
  const push = { start, asyncEnd: run('push') }
  const stream = {
    asyncEnd: (context: {
      schema: string
      mapping: string
      events: number
      oldestCommittedAt: number
      error?: unknown
    }) => {
      if (!ours(context)) return
      handlers.streamBatch?.({
        schema: context.schema,
        mapping: context.mapping,
        events: context.events,
        lagMs: Math.max(0, Date.now() - context.oldestCommittedAt),
        error: context.error,
      })
    },
  }
  channels.pull.subscribe(pull as never)
  channels.push.subscribe(push as never)
  channels.streamBatch.subscribe(stream as never)
  return () => {
    channels.pull.unsubscribe(pull as never)
    channels.push.unsubscribe(push as never)
    channels.streamBatch.unsubscribe(stream as never)
  }
}
