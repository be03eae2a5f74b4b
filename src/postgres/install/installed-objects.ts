import type { MappingSchema } from '../../mappings/mapping-schema.js'
import type { PgPoolLike } from '../pg-pool-like.js'
import { columnIndexSpecs } from './column-indexes.js'
import { tableObjectNames } from './derived-name.js'

/** A function, trigger or index `install()` creates for a mapped table. @internal */
export interface TableObject {
  readonly table: string
  readonly kind: 'function' | 'trigger' | 'index' | 'unique index'
  readonly name: string
  /** For a trigger, the function it runs; for an index, its column. */
  readonly target: string
}

/** The functions, triggers and indexes `install()` creates for one mapped table. @internal */
export function tableObjects(plan: MappingSchema): TableObject[] {
  const table = plan.mapping.table
  const names = tableObjectNames(table)
  const objects: TableObject[] = [
    { table, kind: 'function', name: names.logger, target: '' },
    { table, kind: 'trigger', name: names.logTrigger, target: names.logger },
    { table, kind: 'unique index', name: names.sfidIndex, target: 'sfid' },
    { table, kind: 'index', name: names.systemmodstampIndex, target: 'systemmodstamp' },
  ]
  if (plan.mapping.access === 'read_write') {
    objects.push(
      { table, kind: 'function', name: names.status, target: '' },
      { table, kind: 'trigger', name: names.statusTrigger, target: names.status },
    )
  }
  for (const index of columnIndexSpecs(plan)) {
    const kind = index.unique ? 'unique index' : 'index'
    objects.push({ table, kind, name: index.name, target: index.column })
  }
  return objects
}

/**
 * The objects of these mappings' tables that are not in the schema as `install()` means them, in
 * one catalog query: a trigger must be on its table and run its function, an index must be on its
 * table and column (and unique, and valid, for `sfid`), a function must be a trigger function of
 * the schema. Empty when everything is there.
 *
 * Something already holding a name makes Postgres skip a `CREATE … IF NOT EXISTS` without an
 * error (an index left on a renamed table, say), so `install()` asks afterwards instead of
 * trusting its statements. `standIns` replaces, by name, the unique indexes `install()` did not
 * create because of duplicate values with the plain index it created instead.
 * @internal
 */
export async function missingTableObjects(
  db: Pick<PgPoolLike, 'query'>,
  schema: string,
  plans: readonly MappingSchema[],
  standIns: ReadonlyMap<string, TableObject> = new Map(),
): Promise<TableObject[]> {
  const expected = plans
    .flatMap(tableObjects)
    .map((o) => (o.kind === 'unique index' ? (standIns.get(o.name) ?? o) : o))
  if (expected.length === 0) return []
  const { rows } = await db.query<{ i: number }>(
    `WITH e AS (
       SELECT e.*, to_regclass(format('%I.%I', $1::text, e.table_name)) AS rel
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
         AS e(table_name, kind, name, target, i))
     SELECT e.i::int AS i FROM e WHERE NOT CASE e.kind
       WHEN 'function' THEN EXISTS (
         SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = $1 AND p.proname = e.name AND p.pronargs = 0
           AND p.prorettype = 'trigger'::regtype)
       WHEN 'trigger' THEN EXISTS (
         SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
           JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE t.tgrelid = e.rel AND t.tgname = e.name AND n.nspname = $1 AND p.proname = e.target)
       ELSE EXISTS (
         SELECT 1 FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
           JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
         WHERE x.indrelid = e.rel AND c.relname = e.name AND a.attname = e.target
           AND x.indisvalid AND (e.kind = 'index' OR x.indisunique))
     END
     ORDER BY e.i`,
    [
      schema,
      expected.map((o) => o.table),
      expected.map((o) => o.kind),
      expected.map((o) => o.name),
      expected.map((o) => o.target),
    ],
  )
  return rows.flatMap((row) => expected[row.i - 1] ?? [])
}

/** `account: trigger hc_account_logtrigger running hc_account_logger(); …` @internal */
export function describeTableObjects(objects: readonly TableObject[]): string {
  return objects
    .map((o) => {
      const what =
        o.kind === 'function'
          ? `function ${o.name}()`
          : o.kind === 'trigger'
            ? `trigger ${o.name} running ${o.target}()`
            : `${o.kind} ${o.name} on (${o.target})`
      return `${o.table}: ${what}`
    })
    .join('; ')
}
