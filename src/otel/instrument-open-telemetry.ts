import type * as OTel from '@opentelemetry/api'
import type { SyncEngine } from '../engine/sync-engine.js'
import { observeRuns } from '../operations/observe-runs.js'
import { recordOutcomes } from '../operations/record-outcomes.js'
import {
  type PullTraceContext,
  type PushTraceContext,
  type StreamBatchTraceContext,
  traceChannels,
} from '../operations/trace-channels.js'
import { VERSION } from '../version.js'

/** The OpenTelemetry API module (`import * as api from '@opentelemetry/api'`). */
export type OpenTelemetryApi = typeof OTel

/** Options of {@link instrumentOpenTelemetry}. */
export interface OpenTelemetryOptions {
  /**
   * The engine whose state the observable gauges read (`status()` on each collection): trigger-log
   * pending and failed, push and pull lag, API calls. Without it only spans, counters and
   * histograms are recorded, for every engine of the process.
   */
  readonly engine?: SyncEngine
  /** Only this schema's runs (default: the engine's runs when `engine` is given, else every run). */
  readonly schema?: string
  /** The API module; by default `@opentelemetry/api` is imported, and nothing happens without it. */
  readonly api?: OpenTelemetryApi
  /** Default: the API's global meter provider. */
  readonly meterProvider?: OTel.MeterProvider
  /** Default: the API's global tracer provider. */
  readonly tracerProvider?: OTel.TracerProvider
}

/** What {@link instrumentOpenTelemetry} set up; `close()` undoes it. */
export interface OpenTelemetryInstrumentation {
  /** Whether `@opentelemetry/api` was found (`false`: nothing is recorded). */
  readonly enabled: boolean
  close(): void
}

async function loadApi(): Promise<OpenTelemetryApi | undefined> {
  try {
    return (await import('@opentelemetry/api')) as OpenTelemetryApi
  } catch {
    return undefined
  }
}

/**
 * Reports pgforce to OpenTelemetry (docs/guides/monitoring.md, "OpenTelemetry"): a span per pull
 * (`pgforce.pull`), push (`pgforce.push`) and stream batch (`pgforce.stream_batch`, the parent of
 * its pull's span), built on pgforce's `node:diagnostics_channel` tracing channels; and metrics —
 * `pgforce.records.synced` (by direction, mapping, outcome), `pgforce.runs`,
 * `pgforce.run.duration`, `pgforce.stream.events`, `pgforce.stream.lag`, and with `engine` the
 * gauges `pgforce.trigger_log.pending`, `pgforce.trigger_log.failed`, `pgforce.push.lag`,
 * `pgforce.pull.lag`, `pgforce.api.calls.today`, `pgforce.api.calls.used`,
 * `pgforce.api.calls.remaining`, `pgforce.warnings`. `@opentelemetry/api` is an optional peer
 * dependency: without it this resolves with `enabled: false` and records nothing.
 *
 * @example
 * ```ts
 * import { instrumentOpenTelemetry } from 'pgforce/otel'
 * const otel = await instrumentOpenTelemetry({ engine })
 * // … engine.start() … ; at shutdown:
 * otel.close()
 * ```
 */
export async function instrumentOpenTelemetry(
  options: OpenTelemetryOptions = {},
): Promise<OpenTelemetryInstrumentation> {
  const api = options.api ?? (await loadApi())
  if (!api) return { enabled: false, close: () => {} }
  const schema = options.schema ?? options.engine?.schema
  const meter = (options.meterProvider ?? api.metrics.getMeterProvider()).getMeter(
    'pgforce',
    VERSION,
  )
  const tracer = (options.tracerProvider ?? api.trace.getTracerProvider()).getTracer(
    'pgforce',
    VERSION,
  )
  const closers: (() => void)[] = [traceSpans(api, tracer, schema), runMetrics(meter, schema)]
  if (options.engine) closers.push(engineGauges(meter, options.engine))
  return {
    enabled: true,
    close: () => {
      for (const close of closers.splice(0)) close()
    },
  }
}

/** Spans from the tracing channels. */
function traceSpans(api: OpenTelemetryApi, tracer: OTel.Tracer, schema: string | undefined) {
  const channels = traceChannels()
  const spans = new WeakMap<object, OTel.Span>()
  const streaming = new Map<string, OTel.Span>()
  const ours = (c: { schema: string }) => schema === undefined || c.schema === schema
  const attributes = (c: { schema: string; mapping: string }) => ({
    'pgforce.schema': c.schema,
    'pgforce.mapping': c.mapping,
  })
  const end = (c: object & { error?: unknown }, result?: Record<string, number>) => {
    const span = spans.get(c)
    if (!span) return
    if (result) span.setAttributes(result)
    if (c.error !== undefined) {
      span.recordException(c.error instanceof Error ? c.error : String(c.error))
      span.setStatus({
        code: api.SpanStatusCode.ERROR,
        message: String((c.error as Error)?.message ?? c.error),
      })
    }
    span.end()
  }
  const pull = {
    start: (c: PullTraceContext) => {
      if (!ours(c)) return
      const parent = c.reason === 'stream' ? streaming.get(`${c.schema}|${c.mapping}`) : undefined
      const ctx = parent ? api.trace.setSpan(api.context.active(), parent) : undefined
      spans.set(
        c,
        tracer.startSpan(
          'pgforce.pull',
          {
            kind: api.SpanKind.INTERNAL,
            attributes: { ...attributes(c), 'pgforce.reason': c.reason },
          },
          ctx,
        ),
      )
    },
    asyncEnd: (c: PullTraceContext) =>
      end(
        c,
        c.result && {
          'pgforce.inserted': c.result.inserted,
          'pgforce.updated': c.result.updated,
          'pgforce.deleted': c.result.deleted,
          'pgforce.refused': c.result.failed,
          'pgforce.api_calls': c.result.apiCalls,
        },
      ),
  }
  const push = {
    start: (c: PushTraceContext) => {
      if (ours(c)) spans.set(c, tracer.startSpan('pgforce.push', { attributes: attributes(c) }))
    },
    asyncEnd: (c: PushTraceContext) =>
      end(
        c,
        c.result && {
          'pgforce.sent': c.result.sent,
          'pgforce.succeeded': c.result.succeeded,
          'pgforce.failed': c.result.failed,
          'pgforce.api_calls': c.result.apiCalls,
        },
      ),
  }
  const stream = {
    start: (c: StreamBatchTraceContext) => {
      if (!ours(c)) return
      const span = tracer.startSpan('pgforce.stream_batch', {
        attributes: { ...attributes(c), 'pgforce.events': c.events },
      })
      spans.set(c, span)
      streaming.set(`${c.schema}|${c.mapping}`, span)
    },
    asyncEnd: (c: StreamBatchTraceContext) => {
      streaming.delete(`${c.schema}|${c.mapping}`)
      end(c, { 'pgforce.stream_lag_ms': Math.max(0, Date.now() - c.oldestCommittedAt) })
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

/** Counters and histograms from the tracing channels. */
function runMetrics(meter: OTel.Meter, schema: string | undefined) {
  const records = meter.createCounter('pgforce.records.synced', {
    description: 'Records synced, by direction, mapping and outcome',
    unit: '{record}',
  })
  const runs = meter.createCounter('pgforce.runs', {
    description: 'Pulls and pushes run, by direction, mapping and outcome (completed, failed)',
    unit: '{run}',
  })
  const duration = meter.createHistogram('pgforce.run.duration', {
    description: 'How long pulls and pushes took',
    unit: 's',
  })
  const events = meter.createCounter('pgforce.stream.events', {
    description: 'Change Data Capture events that led to a pull',
    unit: '{event}',
  })
  const lag = meter.createHistogram('pgforce.stream.lag', {
    description: 'From a change committing in Salesforce to its pull committing in Postgres',
    unit: 's',
  })
  return observeRuns(
    {
      run: (o) => {
        const base = { direction: o.direction, mapping: o.mapping, schema: o.schema }
        runs.add(1, { ...base, outcome: o.error === undefined ? 'completed' : 'failed' })
        duration.record(o.durationMs / 1000, base)
        if (o.report)
          for (const [outcome, n] of recordOutcomes(o.report)) records.add(n, { ...base, outcome })
      },
      streamBatch: (o) => {
        events.add(o.events, { mapping: o.mapping, schema: o.schema })
        if (o.error === undefined)
          lag.record(o.lagMs / 1000, { mapping: o.mapping, schema: o.schema })
      },
    },
    schema,
  )
}

/** Observable gauges read from `engine.status()` at each collection. */
function engineGauges(meter: OTel.Meter, engine: SyncEngine) {
  const gauge = (name: string, description: string, unit?: string) =>
    meter.createObservableGauge(name, { description, ...(unit ? { unit } : {}) })
  const pending = gauge('pgforce.trigger_log.pending', 'Trigger-log entries waiting to be sent')
  const failed = gauge('pgforce.trigger_log.failed', 'Trigger-log entries Salesforce rejected')
  const pushLag = gauge('pgforce.push.lag', 'Age of the oldest unsent change', 's')
  const pullLag = gauge('pgforce.pull.lag', "Time since the mapping's last completed pull", 's')
  const today = gauge(
    'pgforce.api.calls.today',
    'API calls of the mapping today (UTC), all workers',
  )
  const used = gauge('pgforce.api.calls.used', "The org's API calls used, as Salesforce reported")
  const remaining = gauge('pgforce.api.calls.remaining', "The org's API calls remaining")
  const warnings = gauge('pgforce.warnings', 'Open warnings, by kind and level')
  const observables = [pending, failed, pushLag, pullLag, today, used, remaining, warnings]
  const callback: OTel.BatchObservableCallback = async (result) => {
    const status = await engine.status()
    const now = Date.now()
    for (const m of status.mappings) {
      const attributes = { mapping: m.object }
      result.observe(pending, m.pending, attributes)
      result.observe(failed, m.failed, attributes)
      result.observe(pushLag, m.pushLagMs / 1000, attributes)
      if (m.lastPull) result.observe(pullLag, (now - m.lastPull.at.getTime()) / 1000, attributes)
      result.observe(today, m.apiCallsToday, attributes)
    }
    if (status.apiUsage) {
      result.observe(used, status.apiUsage.used)
      result.observe(remaining, Math.max(0, status.apiUsage.max - status.apiUsage.used))
    }
    const open = new Map<string, number>()
    for (const w of status.warnings) {
      const key = `${w.kind}|${w.level}`
      open.set(key, (open.get(key) ?? 0) + 1)
    }
    for (const [key, n] of open) {
      const [kind, level] = key.split('|')
      result.observe(warnings, n, { kind: kind ?? '', level: level ?? '' })
    }
  }
  meter.addBatchObservableCallback(callback, observables)
  return () => meter.removeBatchObservableCallback(callback, observables)
}
