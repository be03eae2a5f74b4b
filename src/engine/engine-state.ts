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
export type EngineCall = 'start' | 'stop' | 'syncOnce' | 'install'

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
    created: { start: 'transition', stop: 'no-op', syncOnce: 'run', install: 'run' },
    starting: {
      start: 'join',
      stop: 'after-current',
      syncOnce: 'after-current',
      install: 'after-current',
    },
    running: { start: 'no-op', stop: 'transition', syncOnce: 'run', install: 'run' },
    stopping: {
      start: 'after-current',
      stop: 'join',
      syncOnce: 'after-current',
      install: 'after-current',
    },
    stopped: { start: 'transition', stop: 'no-op', syncOnce: 'run', install: 'run' },
  }
