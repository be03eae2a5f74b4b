/**
 * The lifecycle of a `SyncEngine` (docs/spec/engine-lifecycle.md has the full table):
 *
 * ```
 *   created ──start()──▶ starting ──ok──▶ running ──stop()──▶ stopping ──▶ stopped
 *      ▲                    │ fail                                            │
 *      │                    └──────────────▶ stopped ◀────────────────────────┘
 *      └──────────────── start() again from stopped ─────────────────────────────
 * ```
 */
export type EngineState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped'

/** The public calls whose behaviour depends on the state. */
export type EngineCall = 'start' | 'stop' | 'syncOnce' | 'reload' | 'verify' | 'install'

/** What a call does in a state. */
export type CallBehaviour =
  /** Begins the transition (start → starting, stop → stopping). */
  | 'transition'
  /** Returns the promise of the transition under way. */
  | 'join'
  /** Waits for the transition under way, then performs the call. */
  | 'after-current'
  /** Resolves at once without doing anything. */
  | 'no-op'
  /** Runs now. */
  | 'run'

/**
 * The lifecycle table, states × calls. The engine consults it and the lifecycle test walks it, so
 * the docs, the code and the tests cannot drift apart.
 */
export const LIFECYCLE: Readonly<Record<EngineState, Readonly<Record<EngineCall, CallBehaviour>>>> =
  {
    created: {
      start: 'transition',
      stop: 'no-op',
      syncOnce: 'run',
      reload: 'run',
      verify: 'run',
      install: 'run',
    },
    starting: {
      start: 'join',
      stop: 'after-current',
      syncOnce: 'after-current',
      reload: 'after-current',
      verify: 'after-current',
      install: 'after-current',
    },
    running: {
      start: 'no-op',
      stop: 'transition',
      syncOnce: 'run',
      reload: 'run',
      verify: 'run',
      install: 'run',
    },
    stopping: {
      start: 'after-current',
      stop: 'join',
      syncOnce: 'after-current',
      reload: 'after-current',
      verify: 'after-current',
      install: 'after-current',
    },
    stopped: {
      start: 'transition',
      stop: 'no-op',
      syncOnce: 'run',
      reload: 'run',
      verify: 'run',
      install: 'run',
    },
  }

/**
 * Runs `SyncEngine`'s public calls by the lifecycle table: a call made during a transition joins
 * it, waits for it, or does nothing, as the table says; `transition()` moves through an
 * intermediate state and ends in `stopped` when its work fails.
 * @internal
 */
export class EngineLifecycle {
  private current: EngineState = 'created'
  private pending: Promise<void> | undefined
  private readonly onChange: (from: EngineState, to: EngineState) => void

  constructor(onChange: (from: EngineState, to: EngineState) => void) {
    this.onChange = onChange
  }

  get state(): EngineState {
    return this.current
  }

  /** Performs `call` as the table says for the current state; `run` does the work. */
  async call<T>(call: EngineCall, run: () => Promise<T>): Promise<T> {
    for (;;) {
      switch (LIFECYCLE[this.current][call]) {
        case 'no-op':
          return undefined as T
        case 'join':
          await this.pending
          return undefined as T
        case 'after-current':
          await this.pending?.catch(() => {})
          continue
        case 'transition':
        case 'run':
          return run()
      }
    }
  }

  /** Moves to `via`, runs `work`, then moves to `to` (or to `stopped`, rethrowing, if it fails). */
  transition(via: EngineState, to: EngineState, work: () => Promise<void>): Promise<void> {
    this.set(via)
    this.pending = work().then(
      () => this.set(to),
      (error: unknown) => {
        this.set('stopped')
        throw error
      },
    )
    return this.pending
  }

  private set(to: EngineState): void {
    const from = this.current
    if (from === to) return
    this.current = to
    this.onChange(from, to)
  }
}
