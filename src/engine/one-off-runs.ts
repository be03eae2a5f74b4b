import type { RunControl } from './mapping-runs.js'
import type { StopOptions } from './running-engine.js'
import { ABANDONED, STOPPING, stopDeadline } from './stop-deadline.js'

/**
 * The runs `syncOnce()`, `reload()` and repairs start outside the scheduler. `stop()` asks them to
 * end at their next safe point, as it asks the scheduler's runs, and waits for them (giving up
 * their Salesforce calls at once when not `graceful`, or after `timeoutMs`): it resolves with
 * nothing claimed, as docs/spec/engine-lifecycle.md says, however the runs were started. @internal
 */
export class OneOffRuns {
  private stopping = new AbortController()
  private abandoning = new AbortController()
  private readonly active = new Set<Promise<void>>()

  /** The control of one run: stopped by the next `stop()`. */
  control(): RunControl {
    return { signal: this.stopping.signal, abandon: this.abandoning.signal }
  }

  /** `work`, tracked until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled: Promise<void> = work.then(
      () => {},
      () => {},
    )
    this.active.add(settled)
    void settled.then(() => this.active.delete(settled))
    return work
  }

  /** Stops the runs under way and waits for them; runs started after it are not stopped. */
  async stop(options: StopOptions = {}): Promise<void> {
    const stopping = this.stopping
    const abandoning = this.abandoning
    this.stopping = new AbortController()
    this.abandoning = new AbortController()
    if (this.active.size === 0) return
    stopping.abort(STOPPING)
    const cancel = stopDeadline(options, () => abandoning.abort(ABANDONED))
    try {
      await Promise.all([...this.active])
    } finally {
      cancel()
    }
  }
}
