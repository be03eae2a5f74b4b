import type { SyncEngine } from '../../../src/engine/sync-engine.js'
import type { WorkerLine } from '../worker-cluster/cluster-mapping.js'

/** One event the engine emitted, with ms since the run opened (fractional, see `FaultRun.now`). */
export interface RecordedEvent {
  readonly at: number
  readonly event: string
  readonly detail: string
  readonly error?: Error
}

/** `Name[SQLSTATE or errorCode] message`, to read a failure at a glance. */
function describeError(error: Error): string {
  const { sqlState, errorCode } = error as { sqlState?: string; errorCode?: string }
  return `${error.name}[${sqlState || errorCode || ''}] ${error.message}`
}

/** Hands every engine event a fault run looks at to `add`, as a short line. */
export function recordEngineEvents(
  engine: SyncEngine,
  add: (event: Omit<RecordedEvent, 'at'>) => void,
): void {
  const failed = (event: string, error: Error, retryInMs: number | undefined) =>
    add({ event, detail: `${describeError(error)} retryInMs=${retryInMs}`, error })
  engine.on('push:failed', (e) => failed('push:failed', e.error, e.retryInMs))
  engine.on('pull:failed', (e) => failed('pull:failed', e.error, e.retryInMs))
  engine.on('error', (e) =>
    add({ event: 'error', detail: `${e.context}: ${describeError(e.error)}`, error: e.error }),
  )
  engine.on('record:failed', (e) =>
    add({ event: 'record:failed', detail: `${e.recordId} ${e.error.statusCode}` }),
  )
  engine.on('source:connected', (e) => add({ event: 'source:connected', detail: e.source }))
  engine.on('source:reconnecting', (e) => add({ event: 'source:reconnecting', detail: e.source }))
  engine.on('leadership', (e) => add({ event: 'leadership', detail: String(e.leader) }))
  engine.on('load:progress', (e) => add({ event: 'load:progress', detail: `${e.done}/${e.total}` }))
  engine.on('push:completed', (e) =>
    add({ event: 'push:completed', detail: `${e.succeeded}/${e.sent}` }),
  )
  engine.on('pull:completed', (e) =>
    add({ event: 'pull:completed', detail: `${e.inserted}+${e.updated}` }),
  )
}

/** A line of a worker process (sync-worker.ts) as the same kind of event. */
export function workerLineEvent(line: WorkerLine): Omit<RecordedEvent, 'at'> {
  if (line.event === 'pushed')
    return { event: 'push:completed', detail: `${line.count}/${line.count}` }
  if (line.event === 'leadership') return { event: 'leadership', detail: String(line.leader) }
  return { event: line.event, detail: line.message ?? String(line.count ?? '') }
}
