/** Options of {@link PushSettledRereads}. */
export interface PushSettledRereadsOptions {
  /** Reads these records of `object` again (a pull by id). */
  readonly reread: (object: string, sfids: readonly string[]) => void
  /**
   * Read them again after this long even when no push of the mapping ended here (the push in
   * flight may be another worker's).
   */
  readonly fallbackMs: number
}

/**
 * The records a pull read while a push of theirs was in flight (`PullReport.awaitingPush`). The
 * pull decided nothing for them: Salesforce's newer SystemModstamp may be that push's own write.
 * Once the push has settled they are read again by id, and that pull compares again: a Salesforce
 * change made meanwhile is then pulled, or, when the push failed and its changes wait again, taken
 * for the conflict it is (docs/concepts/delivery-guarantees.md, "Conflicts"). They are read again
 * when a push of the mapping ends on this engine, else after `fallbackMs`; a record whose push is
 * still in flight then comes back here.
 * @internal
 */
export class PushSettledRereads {
  private readonly waiting = new Map<string, Set<string>>()
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly options: PushSettledRereadsOptions

  constructor(options: PushSettledRereadsOptions) {
    this.options = options
  }

  /** A pull of `object` read these records while their push was in flight. */
  add(object: string, sfids: readonly string[]): void {
    if (sfids.length === 0) return
    const ids = this.waiting.get(object) ?? new Set<string>()
    for (const sfid of sfids) ids.add(sfid)
    this.waiting.set(object, ids)
    if (!this.timers.has(object)) {
      const timer = setTimeout(() => this.flush(object), this.options.fallbackMs)
      timer.unref()
      this.timers.set(object, timer)
    }
  }

  /** A push of `object` ended here (whatever its outcome): its claims are settled. */
  pushEnded(object: string): void {
    if (this.waiting.has(object)) this.flush(object)
  }

  /** Forgets everything (the engine stops; the look-back and verify() remain). */
  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
    this.waiting.clear()
  }

  private flush(object: string): void {
    const timer = this.timers.get(object)
    if (timer) clearTimeout(timer)
    this.timers.delete(object)
    const ids = this.waiting.get(object)
    this.waiting.delete(object)
    if (ids && ids.size > 0) this.options.reread(object, [...ids])
  }
}
