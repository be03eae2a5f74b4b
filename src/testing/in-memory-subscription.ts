import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type {
  StreamingMessage,
  StreamSubscription,
  SubscribeRequest,
} from '../salesforce/salesforce-adapter.js'
import type { ChangeEvent } from './org/change-event-log.js'
import type { InMemoryOrg } from './org/in-memory-org.js'

/**
 * A streaming subscription on an in-memory org: validates the channel and replay id as the
 * CometD subscribe would (rejecting with `NOT_FOUND` / `INVALID_REPLAY_ID`), delivers retained
 * events after the replay id, then live ones, each asynchronously and in order.
 * @internal
 */
export async function subscribeInMemory(
  org: InMemoryOrg,
  request: SubscribeRequest,
  onClose: () => void,
): Promise<StreamSubscription> {
  if (!org.events.channelExists(request.channel)) {
    throw new SalesforceApiError(
      `The channel you requested to subscribe to does not exist {${request.channel}}`,
      {
        errorCode: 'NOT_FOUND',
        statusCode: 400,
      },
    )
  }
  const backlog = org.events.replay(request.channel, request.replayId ?? -1)
  let lastReplayId = request.replayId ?? -1
  let open = true
  let delivering = Promise.resolve()
  const deliver = (event: ChangeEvent) => {
    delivering = delivering.then(async () => {
      await new Promise((resolve) => setImmediate(resolve))
      if (!open) return
      lastReplayId = event.replayId
      const message: StreamingMessage = {
        channel: event.channel,
        replayId: event.replayId,
        data: event.data,
      }
      request.onMessage(message)
    })
  }
  const unsubscribe = org.events.subscribe(request.channel, deliver)
  for (const event of backlog) deliver(event)
  queueMicrotask(() => request.onConnect?.())
  return {
    channel: request.channel,
    get lastReplayId() {
      return lastReplayId
    },
    async close() {
      if (!open) return
      open = false
      unsubscribe()
      onClose()
    },
  }
}
