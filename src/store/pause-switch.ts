import format from 'pg-format'
import { EngineStateError } from '../errors/engine-state-error.js'
import type { Queryable } from './queryable.js'

/** The pause switch as `_pgforce_control` holds it. */
export interface PauseState {
  readonly paused: boolean
  /** Who flipped it last (`engine.pause()`'s `by`, or `pgforce pause`), if anyone did. */
  readonly changedBy: string | undefined
  readonly changedAt: Date | undefined
}

/**
 * `_pgforce_control`: the one pause switch of a schema, shared by every worker (Heroku Connect's
 * connection-level pause, docs/guides/operations.md "Pause and resume"). Any process flips it;
 * running engines read it every `operations.controlPollMs`. Before `install()` brings the schema
 * to the version that has the table, it reads as not paused. @internal
 */
export class PauseSwitch {
  private readonly db: Queryable
  private readonly schema: string

  constructor(db: Queryable, schema: string) {
    this.db = db
    this.schema = schema
  }

  /** The switch as it is now (not paused when it was never set, or the table is not there yet). */
  async read(): Promise<PauseState> {
    type Row = { paused: boolean; changed_by: string | null; changed_at: Date }
    const rows = await this.db
      .query<Row>(
        format('SELECT paused, changed_by, changed_at FROM %I._pgforce_control', this.schema),
      )
      .then(
        (result) => result.rows,
        (error: { code?: string }) => {
          if (error.code === '42P01') return [] as Row[] // not installed yet
          throw error
        },
      )
    const row = rows[0]
    return {
      paused: row?.paused === true,
      changedBy: row?.changed_by ?? undefined,
      changedAt: row?.changed_at,
    }
  }

  /** Sets the switch for every worker (an `EngineStateError` before `install()`). */
  async set(paused: boolean, by: string): Promise<void> {
    await this.db
      .query(
        format(
          `INSERT INTO %I._pgforce_control (singleton, paused, changed_by, changed_at)
         VALUES (true, $1, $2, now())
         ON CONFLICT (singleton) DO UPDATE SET paused = $1, changed_by = $2, changed_at = now()`,
          this.schema,
        ),
        [paused, by],
      )
      .catch((error: { code?: string }) => {
        if (error.code !== '42P01') throw error
        throw new EngineStateError(
          `The pause switch is not installed in schema "${this.schema}": run install() (pgforce install) first`,
        )
      })
  }
}
