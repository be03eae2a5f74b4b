import { PgforceError } from './pgforce-error.js'

/**
 * A write strategy broke its contract (docs/guides/write-strategies.md): `write()` did not return
 * exactly one result per entry it was given. The push fails with it (never retried: it is a bug
 * to fix), and the round's entries without a committed outcome go back to NEW.
 */
export class WriteStrategyError extends PgforceError {
  /** The strategy's `name`. */
  readonly strategy: string

  constructor(strategy: string, problem: string) {
    super('WRITE_STRATEGY', `Write strategy "${strategy}" broke its contract: ${problem}`)
    this.strategy = strategy
  }
}
