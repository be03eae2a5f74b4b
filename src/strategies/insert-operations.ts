import type { WriteOperation } from './send-operation.js'
import type { ChangeEntry, WriteContext } from './write-strategy.js'

/** One record to insert: the entry that carries it, its values, and entries folded into it. */
export interface InsertItem {
  readonly entry: ChangeEntry
  readonly values: Readonly<Record<string, string | null>>
  /** Entries folded into this insert (merged writes); they share its outcome. */
  readonly followers?: readonly ChangeEntry[]
}

/**
 * The operations that insert records: those with a value for the mapping's external id become
 * one upsert on it (a retry after a crash then updates instead of duplicating), the others one
 * create. Each record is built once. Shared by the ordered and merged strategies.
 */
export function insertOperations(
  inserts: readonly InsertItem[],
  context: WriteContext,
): WriteOperation[] {
  const externalId = context.externalIdField
  const keyed: { item: InsertItem; record: ReturnType<WriteContext['toRecord']> }[] = []
  const unkeyed: typeof keyed = []
  for (const item of inserts) {
    const record = context.toRecord(item.values, 'INSERT')
    const hasKey = externalId !== undefined && (record[externalId] ?? null) !== null
    ;(hasKey ? keyed : unkeyed).push({ item, record })
  }
  const operation = (kind: 'upsert' | 'create', list: typeof keyed): WriteOperation => ({
    kind,
    externalIdField: kind === 'upsert' ? externalId : undefined,
    entries: list.map((x) => x.item.entry),
    followers: list.map((x) => x.item.followers ?? []),
    records: list.map((x) => x.record),
  })
  return [
    ...(keyed.length > 0 ? [operation('upsert', keyed)] : []),
    ...(unkeyed.length > 0 ? [operation('create', unkeyed)] : []),
  ]
}
