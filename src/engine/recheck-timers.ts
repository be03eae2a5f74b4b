/** A recheck pull comes this long after its records are due (Postgres' clock and ours differ). */
const SLACK_MS = 50

/**
 * One timer per mapping for the records a pull read while their push was in flight: they wait in
 * `_pgforce_pull_recheck` and any pull reads them once due (docs/concepts/delivery-guarantees.md);
 * this asks for a pull at that time rather than at the next poll. The earliest time asked for
 * wins. `close()` drops the timers, not the records: the next pull after a start reads them.
 * @internal
 */
export class RecheckTimers {
  private readonly timers = new Map<
    string,
    { readonly at: number; readonly timer: NodeJS.Timeout }
  >()
  private readonly pull: (object: string) => void

  /** `pull` asks for a pull of the mapping of `object`. */
  constructor(pull: (object: string) => void) {
    this.pull = pull
  }

  /** A pull of `object` in `ms` (unless one comes sooner). */
  in(object: string, ms: number): void {
    const wait = Math.max(0, ms)
    const at = Date.now() + wait
    const current = this.timers.get(object)
    if (current && current.at <= at) return
    if (current) clearTimeout(current.timer)
    const timer = setTimeout(() => {
      this.timers.delete(object)
      this.pull(object)
    }, wait + SLACK_MS)
    timer.unref()
    this.timers.set(object, { at, timer })
  }

  close(): void {
    for (const { timer } of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
  }
}
