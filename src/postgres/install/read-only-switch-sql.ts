import format from 'pg-format'
import type { MappingSchema } from '../../mappings/mapping-schema.js'

/** Why the entries {@link readOnlySwitchSql} marks were not sent, in their `sf_message`. */
export const SWITCHED_TO_READ_ONLY = 'not sent: the mapping was switched to read_only'

/**
 * For a read-only mapping, the statement that marks the entries of its table still waiting to be
 * sent (NEW, or PENDING: claimed by a push that may still commit its outcome) `READONLY`: the
 * mapping was switched from read_write (or adopted so), and pgforce never writes Salesforce for a
 * read-only mapping (docs/guides/mappings.md, "Switching a mapping to read_only"). They stay in
 * `_trigger_log` with `sf_message` saying why; `status()` no longer counts them. `install()` runs
 * it in its transaction, after the table's new triggers; its row count is how many were marked.
 * `undefined` for a read/write mapping.
 */
export function readOnlySwitchSql(schema: string, plan: MappingSchema): string | undefined {
  if (plan.mapping.access !== 'read_only') return undefined
  return format(
    `UPDATE %I._trigger_log SET state = 'READONLY', sf_message = %L, updated_at = now()
     WHERE table_name = %L AND state IN ('NEW', 'PENDING', 'REQUEUE')`,
    schema,
    SWITCHED_TO_READ_ONLY,
    plan.mapping.table,
  )
}
