import format from 'pg-format'
import { PostgresError } from '../../errors/postgres-error.js'
import type { MappingSchema } from '../../mappings/mapping-schema.js'
import { VERSION } from '../../version.js'
import type { PgClientLike, PgPoolLike } from '../pg-pool-like.js'
import { captureTriggerSql } from './capture-trigger-sql.js'
import { columnIndexSql } from './column-indexes.js'
import { cutNameSql } from './cut-names.js'
import { recordMapping, requestBackfill } from './installation-records.js'
import { describeTableObjects, missingTableObjects, type TableObject } from './installed-objects.js'
import { mappedTableSql } from './mapped-table-sql.js'
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js'
import { readOnlySwitchSql } from './read-only-switch-sql.js'

/** What `install()` did. */
export interface InstallReport {
  readonly schema: string
  /** Schema version before and after (0 = no pgforce schema yet). */
  readonly fromVersion: number
  readonly toVersion: number
  /** Tables that did not exist before. */
  readonly createdTables: readonly string[]
  /** Columns added to existing tables, as `table.column`. */
  readonly addedColumns: readonly string[]
  /**
   * Per table of a mapping switched to `read_only`: how many changes that were waiting to be
   * sent were marked `READONLY` instead (they are never sent). Tables with none are absent.
   */
  readonly markedReadOnly: Readonly<Record<string, number>>
  /**
   * What install left undone and why, for an operator: a unique index (external id, or a mapping's
   * `indexes`) not created because its column holds duplicate values, with a plain index standing
   * in (docs/reference/database-objects.md). Empty when everything is as the mappings say.
   */
  readonly warnings: readonly string[]
}

/**
 * Creates or upgrades a schema in one transaction, under an advisory lock so concurrent installs
 * in one database (several workers starting at once, or engines of different schemas) run one
 * after the other: schema-level migrations first, then
 * each mapped table, its indexes and capture triggers; the unsent changes of a mapping switched to
 * `read_only` are marked `READONLY`. Idempotent: a second run changes nothing.
 * Before committing it checks the catalog for every trigger, function and index it meant to
 * create, and fails, rolling everything back, when one is missing.
 * @internal
 */
export class SchemaInstaller {
  private readonly pool: PgPoolLike
  private readonly schema: string

  constructor(pool: PgPoolLike, schema: string) {
    this.pool = pool
    this.schema = schema
  }

  async install(
    plans: readonly MappingSchema[],
    details: { orgId?: string } = {},
  ): Promise<InstallReport> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      // One install at a time per database, not per schema: installs of different schemas share
      // objects in public (the hstore extension, get_xmlbinary()), and two replacing one function
      // at once fail with "tuple concurrently updated".
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('pgforce.install'))`)
      const fromVersion = await this.currentVersion(client)
      if (fromVersion > SCHEMA_VERSION) {
        throw new PostgresError(
          `Schema "${this.schema}" is at pgforce schema version ${fromVersion}, newer than this pgforce (${SCHEMA_VERSION}); upgrade pgforce`,
        )
      }
      const before = await this.columns(client)
      for (const migration of MIGRATIONS.filter((m) => m.version > fromVersion)) {
        for (const statement of migration.statements(this.schema)) await client.query(statement)
      }
      const renames = await cutNameSql(client, this.schema, plans)
      const markedReadOnly: Record<string, number> = {}
      const standIns = new Map<string, TableObject>()
      const warnings: string[] = []
      for (const plan of plans) {
        for (const statement of [
          ...(renames.get(plan.mapping.table) ?? []),
          ...mappedTableSql(this.schema, plan, before.get(plan.mapping.table)),
          ...captureTriggerSql(this.schema, plan),
        ]) {
          await client.query(statement)
        }
        // Switched from read_write (or adopted so): what was waiting is never sent now.
        const switchSql = readOnlySwitchSql(this.schema, plan)
        const marked = switchSql ? ((await client.query(switchSql)).rowCount ?? 0) : 0
        if (marked > 0) markedReadOnly[plan.mapping.table] = marked
        const indexes = await columnIndexSql(client, this.schema, plan)
        for (const statement of indexes.statements) await client.query(statement)
        for (const [name, standIn] of indexes.standIns) standIns.set(name, standIn)
        warnings.push(...indexes.warnings)
        await recordMapping(client, this.schema, plan)
        // Columns added to a table that has rows: the next pulls load them for those rows.
        const had = before.get(plan.mapping.table)
        if (had)
          await requestBackfill(
            client,
            this.schema,
            plan.mapping.table,
            plan.columns.filter((c) => !c.system && !had.has(c.column)).map((c) => c.column),
          )
      }
      if (fromVersion === 0) warnings.push(...(await adoptedFailures(client, this.schema)))
      await this.recordVersion(client, fromVersion, details.orgId)
      const missing = await missingTableObjects(client, this.schema, plans, standIns)
      if (missing.length > 0) {
        throw new PostgresError(
          `Installing schema "${this.schema}" failed: these objects are missing after its statements ran (another object may hold the name, e.g. an index left on a renamed table): ${describeTableObjects(missing)}`,
        )
      }
      const after = await this.columns(client)
      await client.query('COMMIT')
      return {
        schema: this.schema,
        fromVersion,
        toVersion: SCHEMA_VERSION,
        ...diff(before, after),
        markedReadOnly,
        warnings,
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw wrap(error, `Installing schema "${this.schema}" failed`)
    } finally {
      client.release()
    }
  }

  private async currentVersion(client: PgClientLike): Promise<number> {
    const { rows } = await client.query<{ exists: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS exists',
      [format('%I._pgforce_schema', this.schema)],
    )
    if (!rows[0]?.exists) return 0
    const result = await client.query<{ version: number }>(
      format('SELECT version FROM %I._pgforce_schema', this.schema),
    )
    return result.rows[0]?.version ?? 0
  }

  private async columns(client: PgClientLike): Promise<Map<string, Set<string>>> {
    const { rows } = await client.query<{ table_name: string; column_name: string }>(
      'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1',
      [this.schema],
    )
    const tables = new Map<string, Set<string>>()
    for (const row of rows) {
      const columns = tables.get(row.table_name) ?? new Set<string>()
      columns.add(row.column_name)
      tables.set(row.table_name, columns)
    }
    return tables
  }

  private async recordVersion(
    client: PgClientLike,
    fromVersion: number,
    orgId: string | undefined,
  ): Promise<void> {
    await client.query(
      format(
        `INSERT INTO %I._pgforce_schema (version, pgforce_version) VALUES ($1, $2)
         ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, pgforce_version = excluded.pgforce_version,
           upgraded_at = now()
         WHERE (_pgforce_schema.version, _pgforce_schema.pgforce_version) IS DISTINCT FROM (excluded.version, excluded.pgforce_version)`,
        this.schema,
      ),
      [SCHEMA_VERSION, VERSION],
    )
    if (fromVersion === 0 || orgId) {
      const details = JSON.stringify({ installedBy: 'pgforce', version: VERSION })
      await client.query(
        format(
          `INSERT INTO %I._hcmeta (id, hcver, org_id, details) VALUES (1, $1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET org_id = COALESCE(excluded.org_id, _hcmeta.org_id)
           WHERE _hcmeta.org_id IS DISTINCT FROM COALESCE(excluded.org_id, _hcmeta.org_id)`,
          this.schema,
        ),
        [SCHEMA_VERSION, orgId ?? null, details],
      )
    }
  }
}

function diff(before: Map<string, Set<string>>, after: Map<string, Set<string>>) {
  const createdTables: string[] = []
  const addedColumns: string[] = []
  for (const [table, columns] of after) {
    const old = before.get(table)
    if (!old) {
      createdTables.push(table)
      continue
    }
    for (const column of columns) if (!old.has(column)) addedColumns.push(`${table}.${column}`)
  }
  return { createdTables: createdTables.sort(), addedColumns: addedColumns.sort() }
}

function wrap(error: unknown, message: string): Error {
  if (error instanceof PostgresError) return error
  const fields = (error ?? {}) as {
    code?: string
    detail?: string
    table?: string
    constraint?: string
    message?: string
  }
  return new PostgresError(`${message}: ${fields.message ?? String(error)}`, {
    cause: error,
    sqlState: fields.code,
    detail: fields.detail,
    table: fields.table,
    constraint: fields.constraint,
  })
}

/**
 * On a schema Heroku Connect left: its FAILED entries, by table. Heroku Connect went on sending a
 * record's later changes after a failure; pgforce holds them behind it until the failure is
 * retried or ignored (docs/guides/moving-from-heroku-connect.md), so an old failure nobody looks
 * at would silently keep a record's new edits from Salesforce.
 */
async function adoptedFailures(client: PgClientLike, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string; n: number }>(
    format(
      `SELECT table_name, count(DISTINCT record_id)::int AS n FROM %I._trigger_log
       WHERE state = 'FAILED' GROUP BY table_name ORDER BY table_name`,
      schema,
    ),
  )
  return rows.map(
    (r) =>
      `${r.n} record(s) of ${r.table_name} have a FAILED entry Heroku Connect left: their later changes wait behind it until you retry it (retryFailed(), pgforce retry-failed) or dismiss it (ignoreFailed(), pgforce retry-failed --ignore)`,
  )
}
