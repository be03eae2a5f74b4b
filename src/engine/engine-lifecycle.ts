import { type EngineCall, type EngineState, LIFECYCLE } from './engine-state.js'

/**
 * Runs `SyncEngine`'s public calls by the lifecycle table (`LIFECYCLE`): a call made during a
 * transition joins it, waits for it, or does nothing, as the table says; `transition()` moves
 * through an intermediate state and ends in `stopped` when its work fails.
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
