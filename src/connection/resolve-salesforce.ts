import type { OptionReader } from '../config/option-reader.js'
import { ConfigError } from '../errors/config-error.js'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'
import { JsforceAdapter } from '../salesforce/jsforce/jsforce-adapter.js'
import {
  type JsforceAdapterOptions,
  resolveJsforceOptions,
} from '../salesforce/jsforce/jsforce-adapter-options.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'

/**
 * What `createConnection({ salesforce })` accepts: jsforce adapter options (`{ instanceUrl,
 * accessToken }`, `{ loginUrl, username, password }`, OAuth 2 options, `{ connection }` with an
 * existing jsforce Connection) or any `SalesforceAdapter`.
 */
export type SalesforceOptions = SalesforceAdapter | JsforceAdapterOptions

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
 * Validates the `salesforce` option (its problems join the caller's) and returns how to open it:
 * an adapter the app passed is used as is and not closed by pgforce; options become a
 * `JsforceAdapter` that pgforce owns (an existing jsforce Connection is wrapped, not closed).
 * @internal
 */
export function resolveSalesforce(
  read: OptionReader,
  input: unknown,
): () => Promise<{ adapter: SalesforceAdapter; owned: boolean }> {
  if (isSalesforceAdapter(input)) return async () => ({ adapter: input, owned: false })
  try {
    resolveJsforceOptions(input as JsforceAdapterOptions)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const problem of error.problems)
      read.problemWithDescription(problem.path, problem.expected, problem.received)
  }
  return async () => ({
    adapter: await JsforceAdapter.create(input as JsforceAdapterOptions),
    owned: true,
  })
}
