import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CometdHttpTransport } from '../../../src/salesforce/streaming/cometd-http-transport.js'
import { waitFor } from '../../support/wait-for.js'

const received: Array<{ headers: IncomingMessage['headers']; body: unknown }> = []
const sockets = new Set<Socket>()
let server: Server
let url: string

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    req.on('end', () => {
      const body = JSON.parse(text) as Array<{ channel: string; id?: string }>
      received.push({ headers: req.headers, body })
      const channel = body[0]?.channel
      if (channel === '/meta/hang') return // never answered
      if (channel === '/meta/expired') {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('[]')
        return
      }
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Set-Cookie': ['BAYEUX_BROWSER=abc; Path=/', 'sfdc-stream=!xyz; Path=/; HttpOnly'],
      })
      res.end(JSON.stringify(body.map((m) => ({ ...m, successful: true }))))
    })
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cometd/60.0`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

describe('CometdHttpTransport', () => {
  it('POSTs JSON with the OAuth token, keeps the cookies the server sets, and leaves no socket after close()', async () => {
    const transport = new CometdHttpTransport(
      () => url,
      () => undefined,
    )
    const request = (id: string) => ({
      messages: [{ channel: '/meta/handshake', id }],
      accessToken: 'tok',
      timeoutMs: 5_000,
    })
    expect(await transport.send(request('1'))).toEqual([
      { channel: '/meta/handshake', id: '1', successful: true },
    ])
    await transport.send(request('2'))
    expect(received.at(-2)?.headers.authorization).toBe('OAuth tok')
    expect(received.at(-2)?.headers.cookie).toBeUndefined()
    expect(received.at(-1)?.headers.cookie).toBe('BAYEUX_BROWSER=abc; sfdc-stream=!xyz')
    expect(sockets.size).toBeGreaterThan(0)
    await transport.close()
    await waitFor(() => sockets.size === 0, 2_000, 'the socket to close')
  })

  it('gives up on an unanswered request after timeoutMs, and stops at once when aborted', async () => {
    const transport = new CometdHttpTransport(
      () => url,
      () => undefined,
    )
    const hang = { messages: [{ channel: '/meta/hang' }], accessToken: 'tok' }
    await expect(transport.send({ ...hang, timeoutMs: 200 })).rejects.toMatchObject({
      errorCode: 'ETIMEDOUT',
      retryable: true,
    })
    const controller = new AbortController()
    const aborted = transport.send({ ...hang, timeoutMs: 60_000, signal: controller.signal })
    controller.abort()
    await expect(aborted).rejects.toBeDefined()
    await transport.close()
  })

  it('reports HTTP 401 as INVALID_SESSION_ID', async () => {
    const transport = new CometdHttpTransport(
      () => url,
      () => undefined,
    )
    await expect(
      transport.send({
        messages: [{ channel: '/meta/expired' }],
        accessToken: 'x',
        timeoutMs: 5_000,
      }),
    ).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID', statusCode: 401 })
    await transport.close()
  })
})
