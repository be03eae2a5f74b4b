import { type TracingChannel, tracingChannel } from 'node:diagnostics_channel'
import type { PullReport } from '../pull/pull-report.js'
import type { PushReport } from '../push/push-report.js'

/**
 * The `node:diagnostics_channel` tracing channels pgforce publishes around its units of work
 * (docs/guides/monitoring.md, "Tracing channels"). Each is a `TracingChannel` whose `start`,
 * `end`, `asyncStart`, `asyncEnd` and `error` channels carry one context object per run; a
 * subscriber may add its own properties to it (a span, a start time). Nothing is published, and
 * nothing costs more than a check, while nobody subscribes.
 */
export const TRACE_CHANNEL_NAMES = {
  /** One pull of one mapping (context: {@link PullTraceContext}). */
  pull: 'pgforce:pull',
  /** One push of one mapping (context: {@link PushTraceContext}). */
  push: 'pgforce:push',
  /**
   * A pull made for Change Data Capture events (context: {@link StreamBatchTraceContext}); the
   * `pgforce:pull` of that pull runs inside it.
   */
  streamBatch: 'pgforce:stream-batch',
} as const

/** What `pgforce:pull` publishes; `result` is set once it completes, `error` if it failed. */
export interface PullTraceContext {
  /** The connection's Postgres schema (tells engines of one process apart). */
  readonly schema: string
  readonly mapping: string
  /** Why it runs: `poll`, `stream`, `startup`, `reload`, … */
  readonly reason: string
  result?: PullReport
  error?: unknown
}

/** What `pgforce:push` publishes. */
export interface PushTraceContext {
  readonly schema: string
  readonly mapping: string
  result?: PushReport
  error?: unknown
}

/** What `pgforce:stream-batch` publishes. */
export interface StreamBatchTraceContext {
  readonly schema: string
  readonly mapping: string
  /** Change events behind this pull. */
  readonly events: number
  /** When the oldest of them committed in Salesforce (ms since the epoch). */
  readonly oldestCommittedAt: number
  result?: PullReport
  error?: unknown
}

/** The three channels, made on first use (nothing is created at import time). */
export interface TraceChannels {
  readonly pull: TracingChannel<unknown, PullTraceContext & object>
  readonly push: TracingChannel<unknown, PushTraceContext & object>
  readonly streamBatch: TracingChannel<unknown, StreamBatchTraceContext & object>
}

let channels: TraceChannels | undefined

/** The tracing channels (the same objects every call). */
export function traceChannels(): TraceChannels {
  channels ??= {
    pull: tracingChannel(TRACE_CHANNEL_NAMES.pull),
    push: tracingChannel(TRACE_CHANNEL_NAMES.push),
    streamBatch: tracingChannel(TRACE_CHANNEL_NAMES.streamBatch),
  }
  return channels
}
