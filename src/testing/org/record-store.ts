import type { SObjectDescribe, SObjectRecord } from '../../salesforce/salesforce-types.js'

/** A record as the org keeps it. */
export interface StoredRecord {
  readonly objectName: string
  /** Every field of the object (null when empty), canonical names, `IsDeleted` included. */
  record: SObjectRecord
  /** Emptied from the recycle bin: gone from `queryAll`, still reported by `getDeleted`. */
  purged: boolean
}

/** A deletion as `getDeleted` reports it. */
export interface DeletionEntry {
  readonly id: string
  readonly deletedDate: string
}

/**
 * The org's records, indexed by id, by object (in insertion order) and by every External ID /
 * unique field (values compared case-insensitively), so lookups stay O(1) with 100 000s of records.
 * @internal
 */
export class RecordStore {
  private readonly byId = new Map<string, StoredRecord>()
  private readonly byObject = new Map<string, Map<string, StoredRecord>>()
  private readonly indexes = new Map<string, Map<string, Map<string, Set<string>>>>()
  private readonly deletions = new Map<string, DeletionEntry[]>()

  /** Declares which fields of an object are indexed (External ID, unique, idLookup). */
  indexFields(describe: SObjectDescribe): void {
    const object = describe.name.toLowerCase()
    const fields = this.indexes.get(object) ?? new Map<string, Map<string, Set<string>>>()
    for (const field of describe.fields) {
      if (
        field.name !== 'Id' &&
        (field.externalId || field.unique || field.idLookup) &&
        !fields.has(field.name)
      ) {
        fields.set(field.name, new Map())
      }
    }
    this.indexes.set(object, fields)
  }

  get(id: string): StoredRecord | undefined {
    return this.byId.get(id)
  }

  /** Records of an object in insertion order; purged ones never, deleted ones on request. */
  *records(objectName: string, includeDeleted: boolean): Iterable<SObjectRecord> {
    for (const stored of this.byObject.get(objectName.toLowerCase())?.values() ?? []) {
      if (stored.purged) continue
      if (!includeDeleted && stored.record.IsDeleted === true) continue
      yield stored.record
    }
  }

  add(objectName: string, record: SObjectRecord): StoredRecord {
    const stored: StoredRecord = { objectName, record, purged: false }
    const id = record.Id as string
    this.byId.set(id, stored)
    const object = objectName.toLowerCase()
    let records = this.byObject.get(object)
    if (!records) {
      records = new Map()
      this.byObject.set(object, records)
    }
    records.set(id, stored)
    this.reindex(stored, undefined)
    return stored
  }

  /** Replaces a record's values, keeping the indexes right. */
  replace(stored: StoredRecord, record: SObjectRecord): void {
    const before = stored.record
    stored.record = record
    this.reindex(stored, before)
  }

  /** Ids of live (not deleted) records of an object whose `field` equals `value` (case-insensitive). */
  findByField(objectName: string, field: string, value: unknown): string[] {
    if (value === null || value === undefined) return []
    const object = objectName.toLowerCase()
    const index = [...(this.indexes.get(object)?.entries() ?? [])].find(
      ([name]) => name.toLowerCase() === field.toLowerCase(),
    )?.[1]
    const key = String(value).toLowerCase()
    if (index) {
      return [...(index.get(key) ?? [])].filter(
        (id) => this.byId.get(id)?.record.IsDeleted === false,
      )
    }
    const ids: string[] = []
    for (const stored of this.byObject.get(object)?.values() ?? []) {
      const v = Object.entries(stored.record).find(
        ([name]) => name.toLowerCase() === field.toLowerCase(),
      )?.[1]
      if (
        stored.record.IsDeleted === false &&
        v !== null &&
        v !== undefined &&
        String(v).toLowerCase() === key
      )
        ids.push(stored.record.Id as string)
    }
    return ids
  }

  recordDeletion(objectName: string, entry: DeletionEntry): void {
    const object = objectName.toLowerCase()
    const list = this.deletions.get(object) ?? []
    list.push(entry)
    this.deletions.set(object, list)
  }

  deletionsOf(objectName: string): readonly DeletionEntry[] {
    return this.deletions.get(objectName.toLowerCase()) ?? []
  }

  private reindex(stored: StoredRecord, before: SObjectRecord | undefined): void {
    const fields = this.indexes.get(stored.objectName.toLowerCase())
    if (!fields) return
    const id = stored.record.Id as string
    for (const [field, index] of fields) {
      const old = before?.[field]
      const next = stored.record[field]
      if (old === next && before) continue
      if (old !== null && old !== undefined) index.get(String(old).toLowerCase())?.delete(id)
      if (next !== null && next !== undefined) {
        const key = String(next).toLowerCase()
        const set = index.get(key) ?? new Set<string>()
        set.add(id)
        index.set(key, set)
      }
    }
  }
}
