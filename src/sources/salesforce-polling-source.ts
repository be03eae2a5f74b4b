import { BaseChangeSource } from './base-change-source.js'
import type { ChangeSourceContext } from './change-source.js'

/**
 * Polls Salesforce: signals a pull of every mapping at the mapping's `pollIntervalMs`. The pull
 * reads the keyset cursor `(SystemModstamp, Id)` with `queryAll`, so one poll of an idle mapping
 * costs one API call. Always on as the safety net behind streaming.
 */
export class SalesforcePollingSource extends BaseChangeSource {
  readonly name = 'salesforce-polling'
  readonly direction = 'pull' as const

  protected async onStart(context: ChangeSourceContext): Promise<void> {
    for (const mapping of context.mappings) {
      this.every(mapping.pollIntervalMs, () =>
        this.signal({ object: mapping.object, direction: 'pull', reason: 'poll' }),
      )
    }
  }
}
