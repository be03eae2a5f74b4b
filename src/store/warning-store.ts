import format from 'pg-format'
import type { Queryable } from './queryable.js'

/** What a warning is about (docs/guides/monitoring.md, "Warnings"). */
export type WarningKind =
  | 'budget-low'
  | 'stream-lost'
  | 'repeated-failures'
  | 'backlog-ageing'
  | 'schema-drift'

/** One warning, open (`endedAt` undefined) or ended, as `_pgforce_warning` holds it. */
export interface Warning {
  readonly kind: WarningKind
  /** The mapping (object) it concerns, or `''` for the whole connection. */
  readonly mapping: string
  /** `'YELLOW'` needs a look; `'RED'` means sync stopped or will stop for it. */
  readonly level: 'YELLOW' | 'RED'
  readonly message: string
  readonly startedAt: Date
  readonly endedAt: Date | undefined
}

type Row = {
  kind: WarningKind
  mapping: string
  level: 'YELLOW' | 'RED'
  message: string
  started_at: Date
  ended_at: Date | null
}

const toWarning = (row: Row): Warning => ({
  kind: row.kind,
  mapping: row.mapping,
  level: row.level,
  message: row.message,
  startedAt: row.started_at,
  endedAt: row.ended_at ?? undefined,
})

/**
 * `_pgforce_warning`: the warnings workers raise, shared by all of them. One open warning per kind
 * and mapping (a unique index), so when several workers see the same trouble, one starts the
 * warning and one ends it, and the alert hook hears each once. @internal
 */
export class WarningStore {
  private readonly db: Queryable
  private readonly schema: string

  constructor(db: Queryable, schema: string) {
    this.db = db
    this.schema = schema
  }

  /**
   * Opens a warning; an open one of the same kind and mapping gets the new message and level.
   * Returns the warning when this call started it, `undefined` when it was already open.
   */
  async start(
    kind: WarningKind,
    mapping: string,
    level: 'YELLOW' | 'RED',
    message: string,
  ): Promise<Warning | undefined> {
    const { rows } = await this.db.query<Row & { started: boolean }>(
      format(
        `INSERT INTO %I._pgforce_warning AS w (kind, mapping, level, message) VALUES ($1, $2, $3, $4)
         ON CONFLICT (kind, mapping) WHERE ended_at IS NULL
         DO UPDATE SET level = $3, message = $4, updated_at = now()
         RETURNING kind, mapping, level, message, started_at, ended_at, (xmax = 0) AS started`,
        this.schema,
      ),
      [kind, mapping, level, message],
    )
    const row = rows[0]
    return row?.started ? toWarning(row) : undefined
  }

  /** Ends the open warning of this kind and mapping; returns it when this call ended it. */
  async end(kind: WarningKind, mapping: string): Promise<Warning | undefined> {
    const { rows } = await this.db.query<Row>(
      format(
        `UPDATE %I._pgforce_warning SET ended_at = now(), updated_at = now()
         WHERE kind = $1 AND mapping = $2 AND ended_at IS NULL
         RETURNING kind, mapping, level, message, started_at, ended_at`,
        this.schema,
      ),
      [kind, mapping],
    )
    return rows[0] ? toWarning(rows[0]) : undefined
  }

  /** The open warnings, oldest first (none before `install()` created the table). */
  async open(): Promise<Warning[]> {
    return this.list('ended_at IS NULL')
  }

  /** Warnings open now or ended since `since`, newest first. */
  async since(since: Date): Promise<Warning[]> {
    return this.list('ended_at IS NULL OR ended_at >= $1', [since], 'DESC')
  }

  private async list(where: string, values: unknown[] = [], order = 'ASC'): Promise<Warning[]> {
    const rows = await this.db
      .query<Row>(
        format(
          `SELECT kind, mapping, level, message, started_at, ended_at FROM %I._pgforce_warning
           WHERE ${where} ORDER BY started_at ${order === 'DESC' ? 'DESC' : 'ASC'}, id`,
          this.schema,
        ),
        values,
      )
      .then(
        (result) => result.rows,
        (error: { code?: string }) => {
          if (error.code === '42P01') return [] as Row[] // not installed yet
          throw error
        },
      )
    return rows.map(toWarning)
  }
}
