import type { SalesforceAdapter } from '../../../src/salesforce/salesforce-adapter.js'
import { OrderedWriteStrategy } from '../../../src/strategies/ordered-write-strategy.js'
import type {
  ChangeEntry,
  EntryResult,
  WriteContext,
} from '../../../src/strategies/write-strategy.js'

/** What a test can hook into while the engine pushes. */
export interface PushHooks {
  /** A Salesforce write call was sent and has not answered yet. The call waits for the hook. */
  inFlight?: (call: { readonly kind: string; readonly records: number }) => Promise<void>
  /**
   * A call answered and its outcomes are about to be committed: `commit()` commits them (the
   * engine's own commit, retries included). The push waits for the hook.
   */
  aroundCommit?: (
    results: readonly EntryResult[],
    entries: readonly ChangeEntry[],
    commit: () => Promise<void>,
  ) => Promise<void>
}

const WRITES = new Set(['create', 'update', 'upsert', 'delete'])

/**
 * The default `OrderedWriteStrategy` with hooks at the two moments a push can be cut: while a
 * Salesforce call is in flight, and when its outcomes are committed. Hooks are set and cleared by
 * the test while the engine runs (`hooks` is mutable).
 */
export class InstrumentedStrategy extends OrderedWriteStrategy {
  hooks: PushHooks = {}

  override async write(
    entries: readonly ChangeEntry[],
    context: WriteContext,
  ): Promise<EntryResult[]> {
    const hooks = () => this.hooks
    const salesforce = new Proxy(context.salesforce, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown
        if (typeof value !== 'function') return value
        const method = value as (...args: unknown[]) => Promise<unknown>
        if (!WRITES.has(String(property)) || !hooks().inFlight) return method.bind(target)
        return async (...args: unknown[]) => {
          const call = method.apply(target, args)
          call.catch(() => {}) // rejections are seen by the await below
          const records = args.find(Array.isArray)?.length ?? 0
          await hooks().inFlight?.({ kind: String(property), records })
          return await call
        }
      },
    }) as SalesforceAdapter
    const commit = (results: readonly EntryResult[]) =>
      hooks().aroundCommit?.(results, entries, () => context.commit(results)) ??
      context.commit(results)
    return super.write(entries, { ...context, salesforce, commit })
  }
}
