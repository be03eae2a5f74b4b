import type { InMemoryOrg } from '../../src/testing/org/index.js'

/**
 * Writes values into a record the org holds, as they are, past the org's validation: a record
 * Salesforce holds with a value pgforce's column cannot take (a NUL byte, text in a number field,
 * a string longer than the field was when the table was made). The record's SystemModstamp does
 * not change, so corrupt it before the pull that should read it.
 */
export function corruptRecord(org: InMemoryOrg, id: string, values: Record<string, unknown>): void {
  const store = (
    org as unknown as {
      store: { get(id: string): { record: Record<string, unknown> } | undefined }
    }
  ).store
  const stored = store.get(id)
  if (!stored) throw new Error(`corruptRecord(): no record ${id} in the org`)
  stored.record = { ...stored.record, ...values }
}
