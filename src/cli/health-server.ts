import { createServer, type Server } from 'node:http'
import type { SyncEngine } from '../index.js'
import type { EngineMetrics } from '../operations/engine-metrics.js'
import { SourceConnections } from '../operations/source-connections.js'

/** What `/healthz` answers. */
export interface Health {
  readonly ready: boolean
  /** Why it is not ready (empty when it is). */
  readonly reasons: readonly string[]
  readonly state: string
  readonly paused: boolean
}

/**
 * Serves `/healthz` (200 when the engine runs, the database is installed for its mappings at
 * this version, and no push source is reconnecting; 503 with the reasons otherwise; JSON) and
 * `/metrics` (Prometheus text) on `port` (docs/guides/operations.md, "Health and metrics").
 */
export async function startHealthServer(
  engine: SyncEngine,
  metrics: EngineMetrics,
  port: number,
  host = '0.0.0.0',
): Promise<Server> {
  const sources = new SourceConnections(engine)
  const health = async (): Promise<Health> => {
    const reasons: string[] = []
    if (engine.state !== 'running') reasons.push(`the engine is ${engine.state}`)
    const install = await engine.installProblem()
    if (install) reasons.push(install)
    for (const lost of sources.lost())
      reasons.push(`${lost.source} is reconnecting to ${lost.target}`)
    const paused = await engine
      .status()
      .then((s) => s.paused)
      .catch(() => false)
    return { ready: reasons.length === 0, reasons, state: engine.state, paused }
  }
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const answer = async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end()
        return
      }
      if (path === '/healthz') {
        const h = await health()
        res
          .writeHead(h.ready ? 200 : 503, { 'content-type': 'application/json' })
          .end(`${JSON.stringify(h)}\n`)
      } else if (path === '/metrics') {
        const text = await metrics.text()
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text)
      } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
    }
    answer().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`${error instanceof Error ? error.message : String(error)}\n`)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return server
}
