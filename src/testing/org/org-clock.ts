/**
 * The org's clock: server-set timestamps (`CreatedDate`, `LastModifiedDate`, `SystemModstamp`)
 * come from it. It follows real time by default; tests can freeze it, set it or move it forward to
 * make records share a SystemModstamp or to age the recycle bin. It never goes backwards.
 *
 * @example
 * ```ts
 * const org = new InMemoryOrg()
 * org.clock.freeze(new Date('2026-01-01T00:00:00Z')) // every write gets the same SystemModstamp
 * org.clock.advance(60_000)
 * ```
 */
export class OrgClock {
  private offsetMs = 0
  private frozenAt: number | undefined
  private last = 0

  /** @param start Start the clock at this instant (it then runs from there). */
  constructor(start?: Date) {
    if (start) this.offsetMs = start.getTime() - Date.now()
  }

  /** The current instant (monotonic). */
  now(): Date {
    const ms = this.frozenAt ?? Date.now() + this.offsetMs
    this.last = Math.max(this.last, ms)
    return new Date(this.last)
  }

  /** Moves the clock to `date` (ignored if that is in its past). */
  set(date: Date): void {
    if (this.frozenAt !== undefined) this.frozenAt = Math.max(this.frozenAt, date.getTime())
    else this.offsetMs = date.getTime() - Date.now()
  }

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms
    else this.offsetMs += ms
  }

  /** Stops the clock at `at` (default: now) until {@link unfreeze}. */
  freeze(at: Date = this.now()): void {
    this.frozenAt = Math.max(at.getTime(), this.last)
  }

  /** Lets the clock run again from where it stood. */
  unfreeze(): void {
    if (this.frozenAt === undefined) return
    this.offsetMs = this.frozenAt - Date.now()
    this.frozenAt = undefined
  }

  /** Now truncated to the second, as Salesforce's system stamps are: `…T12:34:56.000+0000`. */
  stamp(): string {
    const ms = Math.floor(this.now().getTime() / 1000) * 1000
    return formatDatetime(ms)
  }
}

/** An instant in the org's datetime format: `2024-01-31T12:34:56.000+0000`. */
export function formatDatetime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}+0000`
}
