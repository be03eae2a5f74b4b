import { PgforceError } from './pgforce-error.js'

/** An operation was called in a state that does not allow it, e.g. `syncOnce()` after `close()`. */
export class EngineStateError extends PgforceError {
  constructor(message: string) {
    super('ENGINE_STATE', message)
  }
}
