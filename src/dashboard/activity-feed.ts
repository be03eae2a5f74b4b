import type { ServerResponse } from 'node:http'
import type { PullReport, PushReport } from '../engine/sync-engine-events.js'
import type { ChangeEvent } from '../runs/change-event.js'
import type { DashboardEngine } from './dashboard-engine.js'

/** One pull or push that moved or failed something, seen by the dashboard since it was created. */
export interface RecentRun {
  readonly at: Date
  readonly direction: 'pull' | 'push'
  readonly mapping: string
  /** Records moved (pull: inserted + updated + deleted; push: succeeded). */
  readonly records: number
  readonly failed: number
  readonly durationMs: number | undefined
  /** The run's error, when it failed as a whole. */
  readonly error: string | undefined
}

const KEEP_RUNS = 20
const KEEP_CHANGES = 50
/** Events after which the page's panels are out of date. */
const REFRESHING = [
  'paused',
  'state',
  'pull:completed',
  'push:completed',
  'pull:failed',
  'push:failed',
  'record:failed',
] as const

/**
 * What the dashboard learns from the engine's events: recent runs (always; cheap), and, while a
 * browser has the page open, the `change` events, sent to it as Server-Sent Events (listening to
 * `change` only while someone watches keeps the engine from building them otherwise).
 * @internal
 */
export class ActivityFeed {
  private readonly engine: DashboardEngine
  private readonly runs: RecentRun[] = []
  private readonly changes: (ChangeEvent & { at: Date })[] = []
  private readonly clients = new Set<ServerResponse>()
  private readonly detach: (() => void)[] = []
  private refreshTimer: NodeJS.Timeout | undefined
  private keepAlive: NodeJS.Timeout | undefined
  private readonly onChange = (change: ChangeEvent) => {
    this.changes.unshift({ ...change, at: new Date() })
    this.changes.length = Math.min(this.changes.length, KEEP_CHANGES)
    this.send('change', change)
  }

  constructor(engine: DashboardEngine) {
    this.engine = engine
    const ran = (direction: 'pull' | 'push') => (report: PullReport | PushReport) =>
      this.ran({
        at: new Date(),
        direction,
        mapping: report.mapping,
        records:
          report.direction === 'pull'
            ? report.inserted + report.updated + report.deleted
            : report.succeeded,
        failed: report.failed,
        durationMs: report.durationMs,
        error: undefined,
      })
    const failed =
      (direction: 'pull' | 'push') =>
      ({ mapping, error }: { mapping: string; error: Error }) =>
        this.ran({
          at: new Date(),
          direction,
          mapping,
          records: 0,
          failed: 0,
          durationMs: undefined,
          error: error.message,
        })
    const onPull = ran('pull')
    const onPush = ran('push')
    const onPullFailed = failed('pull')
    const onPushFailed = failed('push')
    engine.on('pull:completed', onPull)
    engine.on('push:completed', onPush)
    engine.on('pull:failed', onPullFailed)
    engine.on('push:failed', onPushFailed)
    this.detach.push(
      () => engine.off('pull:completed', onPull),
      () => engine.off('push:completed', onPush),
      () => engine.off('pull:failed', onPullFailed),
      () => engine.off('push:failed', onPushFailed),
    )
    const refresh = () => this.scheduleRefresh()
    for (const name of REFRESHING) {
      engine.on(name, refresh)
      this.detach.push(() => engine.off(name, refresh))
    }
  }

  /** The last runs, newest first. */
  recentRuns(): readonly RecentRun[] {
    return this.runs
  }

  /** The last changes seen while a browser watched, newest first. */
  recentChanges(): readonly (ChangeEvent & { at: Date })[] {
    return this.changes
  }

  /** Streams events to one browser until it goes away (`GET …/events`). */
  subscribe(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    res.write('retry: 2000\n\n')
    if (this.clients.size === 0) {
      this.engine.on('change', this.onChange)
      this.keepAlive = setInterval(() => {
        for (const client of this.clients) client.write(': keep-alive\n\n')
      }, 15_000)
      this.keepAlive.unref()
    }
    this.clients.add(res)
    res.on('close', () => {
      this.clients.delete(res)
      if (this.clients.size === 0) this.stopStreaming()
    })
  }

  /** Detaches from the engine and ends every event stream. */
  close(): void {
    for (const undo of this.detach.splice(0)) undo()
    for (const client of this.clients) client.end()
    this.clients.clear()
    this.stopStreaming()
    clearTimeout(this.refreshTimer)
  }

  private stopStreaming(): void {
    this.engine.off('change', this.onChange)
    clearInterval(this.keepAlive)
    this.keepAlive = undefined
  }

  /** Keeps runs that moved or failed something (a poll that found nothing is not news). */
  private ran(run: RecentRun): void {
    if (run.records === 0 && run.failed === 0 && run.error === undefined) return
    this.runs.unshift(run)
    this.runs.length = Math.min(this.runs.length, KEEP_RUNS)
  }

  /** Tells browsers to reload the panels, at most every 300 ms. */
  private scheduleRefresh(): void {
    if (this.clients.size === 0 || this.refreshTimer) return
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined
      this.send('refresh', {})
    }, 300)
    this.refreshTimer.unref()
  }

  private send(event: string, data: unknown): void {
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
    for (const client of this.clients) client.write(text)
  }
}
