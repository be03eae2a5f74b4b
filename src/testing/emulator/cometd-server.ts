import { randomBytes } from 'node:crypto'
import { SalesforceApiError } from '../../errors/salesforce-api-error.js'
import type { ChangeEvent } from '../org/change-event-log.js'
import type { InMemoryOrg } from '../org/in-memory-org.js'
import type { HttpExchange } from './http-exchange.js'

interface BayeuxMessage {
  channel: string
  clientId?: string
  id?: string
  subscription?: string
  advice?: { timeout?: number }
  ext?: { replay?: Record<string, number> }
}

interface Client {
  readonly id: string
  readonly subscriptions: Map<string, () => void>
  queue: Record<string, unknown>[]
  wake: (() => void) | undefined
}

const ADVICE = { reconnect: 'retry', interval: 0, timeout: 110_000 }

/**
 * Salesforce's Streaming API endpoint (`/cometd/<version>`): Bayeux long-polling with the replay
 * extension, as Salesforce speaks it to CometD clients (salesforce-wire.md §4). Handshake, connect (held
 * until an event arrives or the hold time passes), subscribe with a replay id, unsubscribe,
 * disconnect; `403::Unknown client` after {@link dropClients}, `403::Handshake denied` for an
 * invalid token. @internal
 */
export class CometdServer {
  private readonly clients = new Map<string, Client>()
  private readonly org: InMemoryOrg
  private readonly holdMs: number
  private stopped = false

  constructor(org: InMemoryOrg, holdMs: number) {
    this.org = org
    this.holdMs = holdMs
  }

  async handle(x: HttpExchange, token: string | undefined): Promise<void> {
    if (x.method !== 'POST') {
      x.sendJson(400, [{ error: '400::Only long-polling is supported', successful: false }])
      return
    }
    const body = await x.json<BayeuxMessage | BayeuxMessage[]>()
    const messages = Array.isArray(body) ? body : [body]
    const replies: Record<string, unknown>[] = []
    let hold: Client | undefined
    for (const message of messages) {
      const reply = this.reply(message, token, messages.length > 1)
      if (reply.hold) hold = reply.client
      replies.push(...reply.messages)
    }
    if (hold && hold.queue.length === 0 && !this.stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.holdMs)
        function done() {
          clearTimeout(timer)
          resolve()
        }
        ;(hold as Client).wake = done
      })
      hold.wake = undefined
    }
    const events = messages.some((m) => m.channel === '/meta/connect') ? this.drain(messages) : []
    x.sendJson(200, [...events, ...replies])
  }

  /** Forgets every client: their next connect is answered `403::Unknown client`. */
  dropClients(): void {
    for (const client of this.clients.values()) {
      for (const unsubscribe of client.subscriptions.values()) unsubscribe()
      client.wake?.()
    }
    this.clients.clear()
  }

  /** Releases held connects (server shutdown). */
  stop(): void {
    this.stopped = true
    this.dropClients()
  }

  private drain(messages: BayeuxMessage[]): Record<string, unknown>[] {
    const client = this.clients.get(messages.find((m) => m.clientId)?.clientId ?? '')
    if (!client) return []
    const events = client.queue
    client.queue = []
    return events
  }

  private reply(
    message: BayeuxMessage,
    token: string | undefined,
    batched: boolean,
  ): { messages: Record<string, unknown>[]; hold?: boolean; client?: Client } {
    const base = { channel: message.channel, id: message.id, clientId: message.clientId }
    if (message.channel === '/meta/handshake') {
      if (!this.org.sessions.isValid(token)) {
        return {
          messages: [
            {
              ...base,
              successful: false,
              error: '403::Handshake denied',
              advice: { reconnect: 'none' },
              ext: { sfdc: { failureReason: '401::Authentication invalid' }, replay: true },
            },
          ],
        }
      }
      const client: Client = {
        id: randomBytes(12).toString('base64url'),
        subscriptions: new Map(),
        queue: [],
        wake: undefined,
      }
      this.clients.set(client.id, client)
      return {
        messages: [
          {
            ...base,
            clientId: client.id,
            version: '1.0',
            minimumVersion: '1.0',
            successful: true,
            supportedConnectionTypes: ['long-polling'],
            ext: { replay: true, 'payload.format': true },
          },
        ],
      }
    }
    const client = this.clients.get(message.clientId ?? '')
    if (!client) {
      return {
        messages: [
          {
            ...base,
            successful: false,
            error: '403::Unknown client',
            advice: { reconnect: 'handshake', interval: 0 },
          },
        ],
      }
    }
    switch (message.channel) {
      case '/meta/connect': {
        const immediate = batched || message.advice?.timeout === 0
        return {
          messages: [{ ...base, successful: true, advice: ADVICE }],
          hold: !immediate,
          client,
        }
      }
      case '/meta/subscribe':
        return { messages: [this.subscribe(client, message)] }
      case '/meta/unsubscribe': {
        const channel = message.subscription ?? ''
        client.subscriptions.get(channel)?.()
        client.subscriptions.delete(channel)
        return { messages: [{ ...base, subscription: channel, successful: true }] }
      }
      case '/meta/disconnect':
        for (const unsubscribe of client.subscriptions.values()) unsubscribe()
        this.clients.delete(client.id)
        client.wake?.()
        return { messages: [{ ...base, successful: true }] }
      default:
        return {
          messages: [
            { ...base, successful: false, error: `400::Unknown channel ${message.channel}` },
          ],
        }
    }
  }

  private subscribe(client: Client, message: BayeuxMessage): Record<string, unknown> {
    const channel = message.subscription ?? ''
    const base = {
      channel: '/meta/subscribe',
      id: message.id,
      clientId: client.id,
      subscription: channel,
    }
    if (!this.org.events.channelExists(channel)) {
      return {
        ...base,
        successful: false,
        error: `400::The channel you requested to subscribe to does not exist {${channel}}`,
      }
    }
    const replayId = message.ext?.replay?.[channel] ?? -1
    let backlog: ChangeEvent[]
    try {
      backlog = this.org.events.replay(channel, replayId)
    } catch (error) {
      if (error instanceof SalesforceApiError)
        return { ...base, successful: false, error: `400::${error.message}` }
      throw error
    }
    const push = (event: ChangeEvent) => {
      client.queue.push({ channel: event.channel, data: event.data })
      client.wake?.()
    }
    client.subscriptions.get(channel)?.()
    client.subscriptions.set(channel, this.org.events.subscribe(channel, push))
    for (const event of backlog) push(event)
    return { ...base, successful: true }
  }
}
