import type { ChangeAction, ChangeEntry } from './write-strategy.js'

/** The one operation that the pending changes of one record fold into. */
export interface FoldedChange {
  /** `INSERT` (with the final values), `UPDATE` (the union of changed columns), `DELETE`, or `NONE`. */
  readonly action: ChangeAction | 'NONE'
  /** Final column values to send. */
  readonly values: Readonly<Record<string, string | null>>
  /** Every entry of the record, oldest first. */
  readonly entries: readonly ChangeEntry[]
}

/**
 * Folds one record's pending entries (oldest first) into one operation, the way merged writes
 * collapse a record's history:
 * - INSERT + UPDATEs → one INSERT with the final values;
 * - UPDATEs → one UPDATE with the union of changed columns (later values win);
 * - … + DELETE → DELETE; INSERT + … + DELETE → nothing (`NONE`): the record never reaches Salesforce.
 */
export function foldRecordChanges(entries: readonly ChangeEntry[]): FoldedChange {
  let action: ChangeAction | 'NONE' = 'NONE'
  let values: Record<string, string | null> = {}
  for (const entry of entries) {
    switch (entry.action) {
      case 'INSERT':
        action = 'INSERT'
        values = { ...entry.values }
        break
      case 'UPDATE':
        if (action === 'NONE') action = 'UPDATE'
        if (action === 'DELETE') action = 'UPDATE'
        values = { ...values, ...entry.values }
        break
      case 'DELETE':
        action = action === 'INSERT' ? 'NONE' : 'DELETE'
        values = {}
        break
    }
  }
  return { action, values, entries }
}
