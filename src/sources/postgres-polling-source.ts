import { OptionReader } from '../config/option-reader.js'
import { BaseChangeSource } from './base-change-source.js'
import type { ChangeSourceContext } from './change-source.js'

/** Options of {@link PostgresPollingSource}. */
export interface PostgresPollingSourceOptions {
  /** How often to look at the trigger log. @default 120_000 (Heroku Connect's 2 minutes) */
  readonly intervalMs?: number
}

/**
 * Polls the trigger log: signals a push of every read/write mapping every `intervalMs`. The push
 * claims what is NEW, so an empty poll costs one indexed query and no Salesforce call. The safety
 * net behind `PostgresNotifySource`.
 */
export class PostgresPollingSource extends BaseChangeSource {
  readonly name = 'postgres-polling'
  readonly direction = 'push' as const
  private readonly intervalMs: number

  constructor(options: PostgresPollingSourceOptions = {}) {
    super()
    const read = new OptionReader('PostgresPollingSource options')
    this.intervalMs =
      read.integer('intervalMs', options.intervalMs ?? 120_000, { min: 100 }) ?? 120_000
    read.finish()
  }

  protected async onStart(context: ChangeSourceContext): Promise<void> {
    const writable = context.mappings.filter((m) => m.access === 'read_write')
    this.every(this.intervalMs, () => {
      for (const mapping of writable)
        this.signal({ object: mapping.object, direction: 'push', reason: 'poll' })
    })
  }
}
