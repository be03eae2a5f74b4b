import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { WorkerConfig, WorkerLine } from './cluster-mapping.js'

const script = fileURLToPath(new URL('./sync-worker.ts', import.meta.url))

/** A `sync-worker.ts` process, and what it has said so far (with the parent's clock). */
export class WorkerProcess {
  readonly name: string
  readonly lines: (WorkerLine & { readonly at: number })[] = []
  private readonly child: ChildProcess
  private readonly exited: Promise<number | null>
  private readonly waiters = new Set<() => void>()

  private readonly onLine: ((line: WorkerLine) => void) | undefined

  private constructor(config: WorkerConfig, onLine?: (line: WorkerLine) => void) {
    this.name = config.name
    this.onLine = onLine
    this.child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
      let line: WorkerLine
      try {
        line = JSON.parse(text) as WorkerLine
      } catch {
        line = { event: 'output', message: text }
      }
      this.lines.push({ ...line, at: Date.now() })
      this.onLine?.(line)
      for (const wake of this.waiters) wake()
    })
  }

  /** Starts a worker and waits until its engine runs; `onLine` hears every line it writes. */
  static async start(
    config: WorkerConfig,
    timeoutMs = 30_000,
    onLine?: (line: WorkerLine) => void,
  ): Promise<WorkerProcess> {
    const worker = new WorkerProcess(config, onLine)
    const running = await worker.waitFor((l) => l.event === 'running', timeoutMs)
    if (!running) {
      worker.kill('SIGKILL')
      throw new Error(`worker ${config.name} did not start: ${JSON.stringify(worker.lines)}`)
    }
    return worker
  }

  /**
   * Spawns a worker that loads and then waits (`startOnInput`): `go()` starts its engine. The
   * crash runs prepare the restarted worker while the first one runs, so the restart is not
   * slowed by Node's start-up.
   */
  static async prepare(
    config: WorkerConfig,
    timeoutMs = 30_000,
    onLine?: (line: WorkerLine) => void,
  ): Promise<WorkerProcess> {
    const worker = new WorkerProcess({ ...config, startOnInput: true }, onLine)
    if (!(await worker.waitFor((l) => l.event === 'ready', timeoutMs))) {
      worker.kill('SIGKILL')
      throw new Error(`worker ${config.name} did not load: ${JSON.stringify(worker.lines)}`)
    }
    return worker
  }

  /** Starts the engine of a prepared worker and waits until it runs. */
  async go(timeoutMs = 30_000): Promise<void> {
    const since = Date.now()
    this.child.stdin?.write('go\n')
    if (!(await this.waitFor((l) => l.event === 'running', timeoutMs, since)))
      throw new Error(`worker ${this.name} did not start: ${JSON.stringify(this.lines)}`)
  }

  /** Whether it leads the pulls, by its last `leadership` line. */
  get leads(): boolean {
    return this.lines.findLast((l) => l.event === 'leadership')?.leader === true
  }

  /** The first line after `since` that matches, once it is written (undefined on timeout). */
  async waitFor(
    match: (line: WorkerLine) => boolean,
    timeoutMs: number,
    since = 0,
  ): Promise<(WorkerLine & { readonly at: number }) | undefined> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.lines.find((l) => l.at >= since && match(l))
      if (found || Date.now() >= deadline) return found
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(wake, Math.max(0, deadline - Date.now()))
        this.waiters.add(wake)
      })
    }
  }

  /** Whether the process is still running (it has not exited or been killed). */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** How it ended (`running` while it runs), e.g. `exit code 1` or `signal SIGKILL`. */
  get ended(): string {
    if (this.child.signalCode !== null) return `signal ${this.child.signalCode}`
    return this.child.exitCode === null ? 'running' : `exit code ${this.child.exitCode}`
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal)
  }

  /** Stops it (SIGTERM: a clean stop), killing it if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.kill('SIGTERM')
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs)
    await this.exited
    clearTimeout(timer)
  }
}
