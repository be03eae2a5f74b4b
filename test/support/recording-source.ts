import type { ChangeSignal, ChangeSource } from '../../src/sources/change-source.js'

/**
 * `source`, passing each of its signals to the engine and then to `signalled`. The engine decides
 * on a signal at once (held while paused, dropped while the budget is spent, or queued), so when
 * `signalled` hears of it the engine has taken it: a test can wait for "the next poll came and
 * still nothing ran" instead of for time to pass.
 */
export function recordingSource(
  source: ChangeSource,
  signalled: (change: ChangeSignal) => void,
): ChangeSource {
  return {
    name: source.name,
    direction: source.direction,
    ...(source.listensToTriggerLog !== undefined && {
      listensToTriggerLog: source.listensToTriggerLog,
    }),
    get deaf() {
      return source.deaf
    },
    start: (context) =>
      source.start({
        ...context,
        signal: (change) => {
          context.signal(change)
          signalled(change)
        },
      }),
    stop: () => source.stop(),
  }
}
