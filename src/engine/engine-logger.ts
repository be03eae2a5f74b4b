import type { EventEmitter } from 'eventemitter3'
import type { MappingDrift } from '../mappings/column-drift.js'
import type { SyncEngineEvents } from './sync-engine-events.js'

/** One log method, pino-style: a bindings object first, then the message. */
export type LogMethod = (bindings: Readonly<Record<string, unknown>>, message: string) => void

/**
 * The logger a `SyncEngine` writes to: the four pino / bunyan levels with a bindings object then a
 * message. A pino logger is one as it is (`logger: pino()`), and so is a small adapter over any
 * other library. pgforce depends on no logging library.
 */
export interface Logger {
  debug: LogMethod
  info: LogMethod
  warn: LogMethod
  error: LogMethod
}

/**
 * Logs what an engine does by listening to its events: lifecycle, sync runs that changed
 * something (info) or nothing (debug), failures (warn when retried, error when not), records
 * Salesforce rejected or Postgres refused, sources, leadership, loads and upkeep. Called by the
 * engine when `logger` is set. Methods are called on the logger (`logger.info(…)`), so pino's
 * `this` binding holds.
 * @internal
 */
export function attachLogger(events: EventEmitter<SyncEngineEvents>, logger: Logger): void {
  const log = { component: 'pgforce' }
  events.on('state', (e) => logger.info({ ...log, ...e }, `engine ${e.to}`))
  events.on('pull:completed', (e) =>
    logger[e.inserted + e.updated + e.deleted + e.failed > 0 ? 'info' : 'debug'](
      { ...log, ...e },
      `pulled ${e.mapping}: ${e.inserted} inserted, ${e.updated} updated, ${e.deleted} deleted${e.failed > 0 ? `, ${e.failed} refused by Postgres` : ''}`,
    ),
  )
  events.on('push:completed', (e) =>
    logger[e.sent + e.heldBack > 0 ? 'info' : 'debug'](
      { ...log, ...e },
      `pushed ${e.mapping}: ${e.succeeded} succeeded, ${e.failed} failed, ${e.heldBack} held back`,
    ),
  )
  for (const name of ['pull:failed', 'push:failed'] as const) {
    events.on(name, (e) =>
      logger[e.retryInMs === undefined ? 'error' : 'warn'](
        { ...log, mapping: e.mapping, err: e.error, retryInMs: e.retryInMs },
        `${name.replace(':failed', '')} of ${e.mapping} failed${e.retryInMs === undefined ? '' : `; retrying in ${e.retryInMs} ms`}: ${e.error.message}`,
      ),
    )
  }
  // The first failure of a record is a warning; its later attempts (one per retry) are detail.
  events.on('pull:record-failed', (e) =>
    logger[e.attempts === 1 ? 'warn' : 'debug'](
      {
        ...log,
        mapping: e.mapping,
        sfid: e.sfid,
        sqlState: e.error.sqlState,
        attempts: e.attempts,
      },
      `Postgres refused ${e.mapping} record ${e.sfid} (attempt ${e.attempts}): ${e.error.sqlState} ${e.error.message}`,
    ),
  )
  events.on('record:failed', (e) =>
    logger.warn(
      { ...log, ...e },
      `Salesforce rejected ${e.action} of ${e.mapping} row ${e.recordId}: ${e.error.statusCode} ${e.error.message}`,
    ),
  )
  events.on('load:started', (e) =>
    logger.info(
      { ...log, ...e },
      e.columns
        ? `loading ${e.columns.join(', ')} of ${e.mapping} for existing rows (${e.total} records)`
        : `loading ${e.total} ${e.mapping} records through Bulk 2.0`,
    ),
  )
  // What stays wrong (a deleted field, a type the column could not follow) is a warning.
  events.on('mapping:drift', (e) =>
    logger[e.change === 'deleted' || e.change === 'type-changed' ? 'warn' : 'info'](
      { ...log, ...e },
      driftMessage(e),
    ),
  )
  events.on('load:progress', (e) =>
    logger.debug({ ...log, ...e }, `loaded ${e.done} of ${e.total} ${e.mapping} records`),
  )
  events.on('reconcile:completed', (e) =>
    logger.info(
      { ...log, ...e },
      `reconciled ${e.mapping}: ${e.repaired} of ${e.differing} drifted records repaired${e.reloaded ? ', reloaded (counts differed)' : ''}`,
    ),
  )
  events.on('verify:completed', (e) =>
    logger[e.inSync ? 'info' : 'warn'](
      {
        ...log,
        mapping: e.mapping,
        salesforceCount: e.salesforceCount,
        postgresCount: e.postgresCount,
        sampled: e.sampled,
        differing: e.differing.length,
        missingInPostgres: e.missingInPostgres.length,
        missingInSalesforce: e.missingInSalesforce.length,
        repaired: e.repaired.length,
      },
      `verified ${e.mapping}: ${e.inSync ? 'in sync' : 'drift found'} (${e.differing.length} differing, ${e.missingInPostgres.length + e.missingInSalesforce.length} missing of ${e.sampled} sampled; ${e.repaired.length} repaired)`,
    ),
  )
  events.on('archive:trimmed', (e) =>
    logger.info({ ...log, ...e }, `trimmed ${e.deleted} archived trigger-log entries`),
  )
  events.on('connection:warning', (e) => logger.warn({ ...log, code: e.code }, e.message))
  events.on('source:connected', (e) =>
    logger.info({ ...log, source: e.source, target: e.target }, `${e.source} connected`),
  )
  events.on('source:reconnecting', (e) =>
    logger.warn(
      { ...log, source: e.source, target: e.target, err: e.reason },
      `${e.source} lost its connection; reconnecting`,
    ),
  )
  events.on('leadership', (e) =>
    logger.info(
      { ...log, ...e },
      e.leader
        ? `leading the pulls of ${e.mapping}`
        : `no longer leading the pulls of ${e.mapping}`,
    ),
  )
  events.on('conflict', (e) =>
    logger.info(
      {
        ...log,
        mapping: e.mapping,
        sfid: e.sfid,
        recordId: e.recordId,
        winner: e.winner,
        policy: e.policy,
      },
      `conflict on ${e.mapping} ${e.sfid}: ${e.winner} wins (${e.policy})`,
    ),
  )
  events.on('budget', (e) =>
    logger[e.level === 'ok' ? 'info' : 'warn'](
      { ...log, ...e },
      `API budget of ${e.mapping}: ${e.level} (${e.used} of ${e.budget} calls today)`,
    ),
  )
  events.on('paused', (e) => logger.info({ ...log, ...e }, e.paused ? 'paused' : 'resumed'))
  events.on('error', (e) =>
    logger.error({ ...log, err: e.error, context: e.context }, `${e.context}: ${e.error.message}`),
  )
}

function driftMessage(e: MappingDrift): string {
  const what = `${e.mapping}.${e.field} (column ${e.table}.${e.column})`
  switch (e.change) {
    case 'widened':
    case 'retyped':
      return `${what} changed in Salesforce: column ${e.change} from ${e.from} to ${e.to}`
    case 'type-changed':
      return `${what} is a ${e.salesforceType} field in Salesforce now; the column stays ${e.from} (would need ${e.to}: ${e.reason}); values it cannot hold unchanged are refused`
    case 'deleted':
      return `${what} no longer exists in Salesforce: it is neither queried nor sent; the column keeps its values`
    case 'restored':
      return `${what} exists in Salesforce again: it syncs again, and existing rows are loaded`
    case 'added':
      return `${what} was added to the mapping: existing rows are loaded by the next pull`
  }
}
