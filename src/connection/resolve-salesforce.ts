import type { OptionReader } from '../config/option-reader.js'
import { ConfigError } from '../errors/config-error.js'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'
import type { TokenSharing } from '../salesforce/auth/shared-token-source.js'
import { JsforceAdapter } from '../salesforce/jsforce/jsforce-adapter.js'
import {
  type JsforceAdapterOptions,
  resolveJsforceOptions,
} from '../salesforce/jsforce/jsforce-adapter-options.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'
import { type ConnectionWarning, usernamePasswordWarning } from './connection-warning.js'

/**
 * What `createConnection({ salesforce })` accepts: jsforce adapter options (JWT bearer `{ loginUrl,
 * clientId, username, privateKey }`, client credentials, a token provider `{ getAccessToken }`,
 * `{ instanceUrl, accessToken }`, `{ loginUrl, username, password }`, `{ connection }` with an
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

/** The opened `salesforce` option. @internal */
export interface OpenedSalesforce {
  readonly adapter: SalesforceAdapter
  readonly owned: boolean
  readonly warnings: readonly ConnectionWarning[]
}

/**
 * Validates the `salesforce` option (its problems join the caller's) and returns how to open it:
 * an adapter the app passed is used as is and not closed by pgforce; options become a
 * `JsforceAdapter` that pgforce owns (an existing jsforce Connection is wrapped, not closed),
 * sharing the session of a login through `sharing` unless `shareToken: false`.
 * @internal
 */
export function resolveSalesforce(
  read: OptionReader,
  input: unknown,
): (sharing?: TokenSharing) => Promise<OpenedSalesforce> {
  if (isSalesforceAdapter(input))
    return async () => ({ adapter: input, owned: false, warnings: [] })
  const warnings: ConnectionWarning[] = []
  try {
    const { auth } = resolveJsforceOptions(input as JsforceAdapterOptions)
    if (auth.kind === 'password') warnings.push(usernamePasswordWarning(Boolean(auth.clientId)))
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const problem of error.problems)
      read.problemWithDescription(problem.path, problem.expected, problem.received)
  }
  return async (sharing) => ({
    adapter: await JsforceAdapter.create(input as JsforceAdapterOptions, sharing),
    owned: true,
    warnings,
  })
}
