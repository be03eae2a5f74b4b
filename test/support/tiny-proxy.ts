import { createServer, request } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { connect } from 'node:net'

/** A forwarding HTTP proxy on 127.0.0.1, for tests. */
export interface TinyProxy {
  /** e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** What it was asked for, e.g. `CONNECT salesforce.invalid:4000` or `GET http://…`. */
  readonly seen: readonly string[]
  stop(): Promise<void>
}

/**
 * An HTTP proxy that speaks both ways clients use one (CONNECT tunnels and absolute-form requests)
 * and sends everything to `target` on 127.0.0.1 whatever host was asked for: it stands in for the
 * proxy's DNS, so a client can only reach an unresolvable host such as `salesforce.invalid`
 * through it.
 */
export async function startTinyProxy(targetPort: number): Promise<TinyProxy> {
  const seen: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    const url = new URL(req.url ?? '/', 'http://unused')
    const upstream = request(
      {
        host: '127.0.0.1',
        port: targetPort,
        method: req.method,
        path: url.pathname + url.search,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('connect', (req, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`)
    const upstream = connect(targetPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    async stop() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
