import type { OptionReader } from '../config/option-reader.js'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'

/** What `createConnection({ salesforce })` accepts. */
export type SalesforceOptions = SalesforceAdapter

/** Whether `value` is a `SalesforceAdapter` (duck-typed: describe, query, writes, bulk, close). */
export function isSalesforceAdapter(value: unknown): value is SalesforceAdapter {
  const candidate = value as Partial<Record<keyof SalesforceAdapter, unknown>> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    [
      'describe',
      'query',
      'queryAll',
      'create',
      'update',
      'upsert',
      'delete',
      'bulkIngest',
      'subscribe',
      'close',
    ].every((name) => typeof candidate[name as keyof SalesforceAdapter] === 'function')
  )
}

/** Whether `value` looks like a `pg.Pool` (query, connect, end). */
export function isPoolLike(value: unknown): value is PgPoolLike {
  const candidate = value as Partial<Record<keyof PgPoolLike, unknown>> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.query === 'function' &&
    typeof candidate.connect === 'function' &&
    typeof candidate.end === 'function'
  )
}

/**
 * Validates the `salesforce` option and returns how to open it: an adapter the app passed is used
 * as is (and not closed by pgforce).
 * @internal
 */
export function resolveSalesforce(
  read: OptionReader,
  input: unknown,
): () => Promise<{ adapter: SalesforceAdapter; owned: boolean }> {
  if (isSalesforceAdapter(input)) return async () => ({ adapter: input, owned: false })
  read.problem('salesforce', 'a SalesforceAdapter', input)
  return async () => {
    throw new Error('unreachable: invalid options are reported before opening')
  }
}
