import { OptionReader } from '../config/option-reader.js'
import { BaseWriteStrategy } from './base-write-strategy.js'
import { insertOperations } from './insert-operations.js'
import type { WriteOperation } from './send-operation.js'
import { COLLECTION_LIMIT } from './send-operation.js'
import type { ChangeAction, ChangeEntry, EntryResult, WriteContext } from './write-strategy.js'

/** Options of {@link OrderedWriteStrategy}. */
export interface OrderedWriteStrategyOptions {
  /**
   * Calls in flight at once within one step of a batch (one action of one layer, where every
   * record is different). Inserts that create records (no external id value) always go one call
   * at a time. @default 2
   */
  readonly concurrency?: number
}

/**
 * Heroku Connect's "ordered writes", without its worst failure mode and without its cost
 * (docs/guides/write-strategies.md): each record's changes reach Salesforce in `_trigger_log`
 * order, and everything else is packed. The entries are laid out in layers — a record's first
 * change in the batch goes in layer 1, its second in layer 2, … — and each layer is sent, in
 * order, as one sObject Collections call per action and 200 records (a record at most once per
 * call; rows sharing an external id value count as one record); the calls of one step (one action
 * of one layer) go out `concurrency` (2) at a time, since they hold different records, except
 * calls that create records, which go one at a time. So an app that interleaves inserts and
 * updates of many records costs a few calls per 200 records, not one per change. An INSERT becomes an upsert on the mapping's external id when
 * the row has one, so a retry never duplicates a record. A change Salesforce rejects holds back
 * the later entries of that record only (they stay NEW until it is retried or ignored), not the
 * rest of the queue; a delete that does not go through also holds back the keyed inserts after it
 * in the batch (one may reuse the deleted row's external id). The default strategy.
 */
export class OrderedWriteStrategy extends BaseWriteStrategy {
  readonly name: string = 'ordered'
  /** Longest run of one action of one layer handed to {@link sendRun}. */
  protected readonly maxRunLength: number = COLLECTION_LIMIT
  /** Calls of one step (one action of one layer: all different records) in flight at once. */
  readonly concurrency: number

  constructor(options: OrderedWriteStrategyOptions = {}) {
    super()
    const read = new OptionReader('OrderedWriteStrategy options')
    this.concurrency = read.integer('concurrency', options.concurrency ?? 2, { min: 1 }) ?? 2
    read.finish()
  }

  async write(entries: readonly ChangeEntry[], given: WriteContext): Promise<EntryResult[]> {
    // Each insert's record is built once: for its external id key (layers), then for its call.
    const context = { ...given, toRecord: builtOnce(given.toRecord) }
    const results = new Map<number, EntryResult>()
    // What earlier calls of this batch learned: the sfids of records they inserted, and the
    // records whose change did not go through (their later entries wait).
    const sfids = new Map<number, string>()
    const blocked = new Set<number>()
    for (const entry of entries) if (entry.sfid) sfids.set(entry.recordId, entry.sfid)
    const sameRecord = externalIdKey(context)
    // A delete that did not go through may be of the record an insert's external id names (a
    // delete carries no values, so no key): such an insert would upsert onto that record, and
    // the delete, retried, would then remove it. Once a delete waits, keyed inserts wait too.
    let deleteWaits = false
    for (const layer of layers(entries, sameRecord)) {
      for (const action of ACTIONS) {
        const ofAction = layer.filter((e) => {
          if (e.action !== action) return false
          if (!deleteWaits || action !== 'INSERT' || sameRecord(e) === undefined) return true
          results.set(e.id, { entryId: e.id, outcome: 'deferred' })
          blocked.add(e.recordId)
          return false
        })
        const runs: ChangeEntry[][] = []
        for (let start = 0; start < ofAction.length; start += this.maxRunLength)
          runs.push(ofAction.slice(start, start + this.maxRunLength))
        // The runs of a step are of different records: they may go out together. Not creates
        // (inserts without an external id value): a crash resends at most one call of those.
        const creates = action === 'INSERT' && ofAction.some((e) => sameRecord(e) === undefined)
        await eachConcurrently(runs, creates ? 1 : this.concurrency, async (run) => {
          const byId = new Map(run.map((e) => [e.id, e]))
          for (const result of await this.writeRun(action, run, context, sfids, blocked)) {
            results.set(result.entryId, result)
            const entry = byId.get(result.entryId)
            if (!entry) continue
            if (result.outcome === 'success' && result.sfid && action !== 'DELETE')
              sfids.set(entry.recordId, result.sfid)
            // A change that did not go through keeps the record's later changes back (its order).
            if (result.outcome === 'failed' || result.outcome === 'deferred') {
              blocked.add(entry.recordId)
              if (action === 'DELETE') deleteWaits = true
            }
          }
        })
      }
    }
    return this.complete(entries, [...results.values()], 'deferred')
  }

  /**
   * Sends one run of entries of `action` that are ready to go (every UPDATE and DELETE has its
   * record's sfid in `sfids`). Subclasses may send large runs another way (Bulk 2.0).
   */
  protected async sendRun(
    action: ChangeAction,
    entries: readonly ChangeEntry[],
    context: WriteContext,
    sfids: ReadonlyMap<number, string>,
  ): Promise<EntryResult[]> {
    const results: EntryResult[] = []
    for (const operation of this.operations(action, entries, context, sfids))
      results.push(...(await this.send(operation, context)))
    return results
  }

  private async writeRun(
    action: ChangeAction,
    run: readonly ChangeEntry[],
    context: WriteContext,
    sfids: ReadonlyMap<number, string>,
    blocked: ReadonlySet<number>,
  ): Promise<EntryResult[]> {
    const results: EntryResult[] = []
    const ready: ChangeEntry[] = []
    for (const entry of run) {
      const sfid = sfids.get(entry.recordId)
      if (blocked.has(entry.recordId)) results.push({ entryId: entry.id, outcome: 'deferred' })
      else if (action === 'DELETE' && !sfid) results.push({ entryId: entry.id, outcome: 'ignored' })
      else if (action === 'UPDATE' && !sfid)
        results.push({ entryId: entry.id, outcome: 'deferred' })
      else ready.push(entry)
    }
    if (ready.length > 0) results.push(...(await this.sendRun(action, ready, context, sfids)))
    return results
  }

  private operations(
    action: ChangeAction,
    entries: readonly ChangeEntry[],
    context: WriteContext,
    sfids: ReadonlyMap<number, string>,
  ): WriteOperation[] {
    const sfid = (e: ChangeEntry) => sfids.get(e.recordId) as string
    if (action === 'DELETE')
      return [{ kind: 'delete', entries, records: entries.map((e) => ({ Id: sfid(e) })) }]
    if (action === 'UPDATE') {
      return [
        {
          kind: 'update',
          entries,
          records: entries.map((e) => ({ ...context.toRecord(e.values, 'UPDATE'), Id: sfid(e) })),
        },
      ]
    }
    return insertOperations(
      entries.map((entry) => ({ entry, values: entry.values })),
      context,
    )
  }
}

/**
 * Runs `work` over `items`, at most `limit` at once, in order of start. After a failure no item
 * starts, the ones under way finish (their outcomes are committed as usual), and the first error
 * is thrown.
 */
async function eachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  let failure: { readonly error: unknown } | undefined
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next] as T
      next += 1
      await work(item).catch((error: unknown) => {
        failure ??= { error }
      })
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure) throw failure.error
}

/**
 * The order actions go in within a layer (records in one layer are all different): deletes and
 * updates first, as they may free a unique value an insert of another record then takes.
 */
const ACTIONS = ['DELETE', 'UPDATE', 'INSERT'] as const

/**
 * The entries in layers: a record's first entry in layer 0, its second in layer 1, and so on, each
 * layer in `_trigger_log` order. Sending the layers one after the other keeps every record's
 * changes in order; within a layer no record appears twice. Entries are of one record when they
 * are of one row, or when `externalId` gives them one key: two rows carrying one external id
 * value stand for one Salesforce record (a row deleted and inserted again with the same key), so
 * their changes keep their order too. An insert that carries an external id goes no earlier than
 * any delete before it (a delete's key is not known: it may be the one the insert reuses).
 */
export function layers(
  entries: readonly ChangeEntry[],
  externalId: (entry: ChangeEntry) => string | undefined = () => undefined,
): ChangeEntry[][] {
  // Union-find over rows and external id values: a group is one record in Salesforce.
  const parent = new Map<string, string>()
  const find = (key: string): string => {
    let root = key
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root) as string
    parent.set(key, root)
    return root
  }
  const union = (a: string, b: string) => {
    const [ra, rb] = [find(a), find(b)]
    if (ra !== rb) parent.set(ra, rb)
  }
  for (const entry of entries) {
    const key = externalId(entry)
    if (key !== undefined) union(`row:${entry.recordId}`, `key:${key}`)
  }
  const seen = new Map<string, number>()
  const out: ChangeEntry[][] = []
  // The deepest layer a delete went in so far. A delete carries no external id, so an insert
  // that carries one may be of the record an earlier delete removes (a row deleted, then one
  // inserted with its key): it goes no earlier than that delete's layer, where deletes go first.
  let deleteDepth = 0
  for (const entry of entries) {
    const group = find(`row:${entry.recordId}`)
    let depth = seen.get(group) ?? 0
    if (entry.action === 'INSERT' && externalId(entry) !== undefined)
      depth = Math.max(depth, deleteDepth)
    if (entry.action === 'DELETE') deleteDepth = Math.max(deleteDepth, depth)
    seen.set(group, depth + 1)
    let layer = out[depth]
    if (!layer) {
      layer = []
      out[depth] = layer
    }
    layer.push(entry)
  }
  return out
}

/**
 * The external id value an entry carries (set by an insert, or changed by an update), if any.
 * @internal
 */
export function externalIdKey(
  context: Pick<WriteContext, 'externalIdField' | 'toRecord'>,
): (entry: ChangeEntry) => string | undefined {
  const field = context.externalIdField
  if (field === undefined) return () => undefined
  return (entry) => {
    if (entry.action === 'DELETE') return undefined
    const value = context.toRecord(entry.values, 'INSERT')[field]
    return value === undefined || value === null ? undefined : String(value)
  }
}

/**
 * `toRecord` that builds a record once per values object and action (the records it returns are
 * shared: read them, do not change them).
 */
function builtOnce(toRecord: WriteContext['toRecord']): WriteContext['toRecord'] {
  const built = { INSERT: new WeakMap(), UPDATE: new WeakMap(), DELETE: new WeakMap() } as const
  return (values, action) => {
    const cache: WeakMap<object, ReturnType<WriteContext['toRecord']>> = built[action]
    let record = cache.get(values)
    if (!record) {
      record = toRecord(values, action)
      cache.set(values, record)
    }
    return record
  }
}
