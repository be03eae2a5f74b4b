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
  /**
   * Each object's records in insertion order, and whether that is also the order of their Ids'
   * first 15 characters (the org makes Ids in sequence, so it is unless a record came with its
   * own): then an Id range is found by binary search ({@link RecordStore.inIdOrder}).
   */
  private readonly idOrder = new Map<string, { records: StoredRecord[]; ordered: boolean }>()

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
    let order = this.idOrder.get(object)
    if (!order) {
      order = { records: [], ordered: true }
      this.idOrder.set(object, order)
    }
    const last = order.records.at(-1)
    if (last && prefix(last.record.Id) >= prefix(id)) order.ordered = false
    order.records.push(stored)
    this.reindex(stored, undefined)
    return stored
  }

  /**
   * Records of an object whose Ids' first 15 characters lie within `range` (inclusive), in Id
   * order (`descending` reversed); purged ones never, deleted ones on request. `undefined` when
   * the object's records are not kept in Id order (a record was added with an Id of its own):
   * the caller reads them all.
   */
  inIdOrder(
    objectName: string,
    includeDeleted: boolean,
    range: { readonly low?: string; readonly high?: string },
    descending = false,
  ): Iterable<SObjectRecord> | undefined {
    const order = this.idOrder.get(objectName.toLowerCase())
    if (!order) return []
    if (!order.ordered) return undefined
    const { records } = order
    /** The index of the first record whose prefix is not below `id` (`orAbove`: above `id`). */
    const search = (id: string, orAbove: boolean) => {
      let low = 0
      let high = records.length
      while (low < high) {
        const mid = (low + high) >>> 1
        const p = prefix((records[mid] as StoredRecord).record.Id)
        if (p < id || (orAbove && p === id)) low = mid + 1
        else high = mid
      }
      return low
    }
    const from = range.low === undefined ? 0 : search(range.low, false)
    const to = range.high === undefined ? records.length : search(range.high, true)
    return (function* () {
      for (let k = 0; k < to - from; k += 1) {
        const stored = records[descending ? to - 1 - k : from + k] as StoredRecord
        if (stored.purged) continue
        if (!includeDeleted && stored.record.IsDeleted === true) continue
        yield stored.record
      }
    })()
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

/** The first 15 characters of an Id, on which SOQL orders and compares Ids. */
function prefix(id: unknown): string {
  return String(id).slice(0, 15)
}
