import format from 'pg-format'
import type { Queryable } from './queryable.js'

/**
 * Where a mapping's pull stands: the `(SystemModstamp, Id)` of the last record applied. Stored in
 * `_pgforce_cursor` and only ever written in the transaction that applies the records it covers.
 */
export interface PullCursor {
  /** ISO instant, e.g. `2024-01-31T12:34:56.000Z`. */
  readonly systemModstamp: string
  readonly id: string
}

/** A Pub/Sub replay id and when its event was received (ms since the epoch). @internal */
export interface ReplayPosition {
  readonly replayId: Uint8Array
  readonly receivedAt?: number
}

/**
 * The `_pgforce_cursor` rows of a schema (docs/reference/database-objects.md): per mapped table,
 * the pull cursor (`pull`), the end of the window `getDeleted` covered (`deleted`), and the replay
 * id of each streaming channel (`stream:<channel>`: a number for CometD, opaque bytes for Pub/Sub). Written only in the transaction that applies
 * the data a cursor covers. @internal
 */
export class CursorStore {
  private readonly db: Queryable
  private readonly schema: string

  constructor(db: Queryable, schema: string) {
    this.db = db
    this.schema = schema
  }

  /** The pull cursor of a table, or `undefined` before its first pull. */
  async pull(table: string): Promise<PullCursor | undefined> {
    const { rows } = await this.db.query<{ stamp: string | null; last_id: string | null }>(
      format(
        `SELECT to_char(systemmodstamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS stamp, last_id
         FROM %I._pgforce_cursor WHERE table_name = $1 AND name = 'pull'`,
        this.schema,
      ),
      [table],
    )
    const row = rows[0]
    return row?.stamp && row.last_id ? { systemModstamp: row.stamp, id: row.last_id } : undefined
  }

  /** Moves the pull cursor of a table. */
  async writePull(table: string, cursor: PullCursor): Promise<void> {
    await this.db.query(
      format(
        `INSERT INTO %I._pgforce_cursor (table_name, name, systemmodstamp, last_id, updated_at)
         VALUES ($1, 'pull', $2::timestamptz AT TIME ZONE 'UTC', $3, now())
         ON CONFLICT (table_name, name) DO UPDATE
           SET systemmodstamp = excluded.systemmodstamp, last_id = excluded.last_id, updated_at = now()`,
        this.schema,
      ),
      [table, cursor.systemModstamp, cursor.id],
    )
  }

  /** The end of the last window `getDeleted` covered for a table, if any. */
  async deletedUpTo(table: string): Promise<Date | undefined> {
    const { rows } = await this.db.query<{ covered: Date | null }>(
      format(
        `SELECT systemmodstamp AT TIME ZONE 'UTC' AS covered FROM %I._pgforce_cursor
         WHERE table_name = $1 AND name = 'deleted'`,
        this.schema,
      ),
      [table],
    )
    return rows[0]?.covered ?? undefined
  }

  /** Records that `getDeleted` covered a table up to `instant` (an ISO instant). */
  async writeDeletedUpTo(table: string, instant: string): Promise<void> {
    await this.db.query(
      format(
        `INSERT INTO %I._pgforce_cursor (table_name, name, systemmodstamp, updated_at)
         VALUES ($1, 'deleted', $2::timestamptz AT TIME ZONE 'UTC', now())
         ON CONFLICT (table_name, name) DO UPDATE SET systemmodstamp = excluded.systemmodstamp, updated_at = now()`,
        this.schema,
      ),
      [table, instant],
    )
  }

  /** The stored replay id of a table's channel, or `undefined`. */
  async replayId(table: string, channel: string): Promise<number | undefined> {
    const { rows } = await this.db.query<{ replay_id: string | null }>(
      format(
        'SELECT replay_id FROM %I._pgforce_cursor WHERE table_name = $1 AND name = $2',
        this.schema,
      ),
      [table, streamName(channel)],
    )
    const value = rows[0]?.replay_id
    return value === null || value === undefined ? undefined : Number(value)
  }

  /** Stores replay ids, only ever forward. */
  async writeReplayIds(table: string, replayIds: ReadonlyMap<string, number>): Promise<void> {
    for (const [channel, replayId] of replayIds) {
      await this.db.query(
        format(
          `INSERT INTO %I._pgforce_cursor (table_name, name, replay_id, channel, updated_at)
           VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (table_name, name) DO UPDATE
             SET replay_id = GREATEST(_pgforce_cursor.replay_id, excluded.replay_id), updated_at = now()`,
          this.schema,
        ),
        [table, streamName(channel), replayId, channel],
      )
    }
  }

  /** The stored Pub/Sub replay id (opaque bytes) of a table's topic, or `undefined`. */
  async replayBytes(table: string, topic: string): Promise<Uint8Array | undefined> {
    const { rows } = await this.db.query<{ replay_bytes: Buffer | null }>(
      format(
        'SELECT replay_bytes FROM %I._pgforce_cursor WHERE table_name = $1 AND name = $2',
        this.schema,
      ),
      [table, streamName(topic)],
    )
    return rows[0]?.replay_bytes ?? undefined
  }

  /**
   * Stores Pub/Sub replay ids as received. They are opaque (no order can be read from them), so
   * the last one written wins: callers write them in the order the events arrived. Each is stored
   * with when it was received (`updated_at`; now when not given), which orders a shared channel's.
   */
  async writeReplayBytes(
    table: string,
    replayIds: ReadonlyMap<string, ReplayPosition>,
  ): Promise<void> {
    for (const [topic, position] of replayIds) {
      await this.db.query(
        format(
          `INSERT INTO %I._pgforce_cursor (table_name, name, replay_bytes, channel, updated_at)
           VALUES ($1, $2, $3, $4, COALESCE(to_timestamp($5::float8 / 1000), now()))
           ON CONFLICT (table_name, name) DO UPDATE
             SET replay_bytes = excluded.replay_bytes, updated_at = excluded.updated_at`,
          this.schema,
        ),
        [
          table,
          streamName(topic),
          Buffer.from(position.replayId),
          topic,
          position.receivedAt ?? null,
        ],
      )
    }
  }

  /**
   * The replay id to resume a topic shared by several tables (a channel such as
   * `/data/ChangeEvents`) from: each table stores the channel's replay id with its own rows, and
   * the one received earliest is the furthest behind, since opaque ids cannot be ordered
   * (docs/guides/change-sources.md, "One channel for several objects"). `undefined` when no table
   * has one.
   */
  async earliestReplayBytes(
    tables: readonly string[],
    topic: string,
  ): Promise<Uint8Array | undefined> {
    const { rows } = await this.db.query<{ replay_bytes: Buffer | null }>(
      format(
        `SELECT replay_bytes FROM %I._pgforce_cursor
         WHERE table_name = ANY($1::text[]) AND name = $2 AND replay_bytes IS NOT NULL
         ORDER BY updated_at, table_name LIMIT 1`,
        this.schema,
      ),
      [tables, streamName(topic)],
    )
    return rows[0]?.replay_bytes ?? undefined
  }

  /** Stores one Pub/Sub replay id of a topic for several tables at once (one statement). */
  async writeReplayBytesFor(
    tables: readonly string[],
    topic: string,
    position: ReplayPosition,
  ): Promise<void> {
    if (tables.length === 0) return
    await this.db.query(
      format(
        `INSERT INTO %I._pgforce_cursor (table_name, name, replay_bytes, channel, updated_at)
         SELECT t, $2, $3, $4, COALESCE(to_timestamp($5::float8 / 1000), now())
         FROM unnest($1::text[]) AS t
         ON CONFLICT (table_name, name) DO UPDATE
           SET replay_bytes = excluded.replay_bytes, updated_at = excluded.updated_at`,
        this.schema,
      ),
      [
        tables,
        streamName(topic),
        Buffer.from(position.replayId),
        topic,
        position.receivedAt ?? null,
      ],
    )
  }

  /** Whether any of the tables has a stored replay id for the topic. */
  async hasReplayBytes(tables: readonly string[], topic: string): Promise<boolean> {
    return (await this.earliestReplayBytes(tables, topic)) !== undefined
  }

  /** Postgres' clock, in ms since the epoch: the one clock every worker's positions share. */
  async databaseNowMs(): Promise<number> {
    const { rows } = await this.db.query<{ ms: number }>(
      'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms',
    )
    return rows[0]?.ms ?? Date.now()
  }

  /** Forgets a topic's replay id for several tables (after Salesforce refused it). */
  async clearReplayIds(tables: readonly string[], topic: string): Promise<void> {
    await this.db.query(
      format(
        'DELETE FROM %I._pgforce_cursor WHERE table_name = ANY($1::text[]) AND name = $2',
        this.schema,
      ),
      [tables, streamName(topic)],
    )
  }

  /** Forgets a channel's replay id (after Salesforce refused it as expired). */
  async clearReplayId(table: string, channel: string): Promise<void> {
    await this.db.query(
      format('DELETE FROM %I._pgforce_cursor WHERE table_name = $1 AND name = $2', this.schema),
      [table, streamName(channel)],
    )
  }
}

/** Name of a channel's row in `_pgforce_cursor`. */
function streamName(channel: string): string {
  return `stream:${channel}`
}
