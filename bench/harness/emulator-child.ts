import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface, type Interface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** A SalesforceEmulator running in its own process (bench/harness/emulator-main.ts). */
export interface EmulatorProcess {
  readonly instanceUrl: string
  readonly accessToken: string
  /** The emulator's Pub/Sub API endpoint (`host:port`) and the certificate it serves. */
  readonly pubSubEndpoint: string
  readonly pubSubCertificate: string
  /** API calls the org has counted so far. */
  used(): Promise<number>
  /** Adds `ms` of latency to every request from now on. */
  latency(ms: number): Promise<void>
  /** Changes `count` seeded records (Industry = `Round <round>`), spread over the seed. */
  update(count: number, round: number): Promise<number>
  /** Creates one Account named `name` in Salesforce; its Id. */
  insert(name: string): Promise<string>
  /** CPU time the emulator's process has used so far, s. */
  cpuSeconds(): Promise<number>
  stop(): Promise<void>
}

/** Starts an emulator process seeded with `rows` Accounts (see account-rows.ts). */
export async function startEmulatorProcess(
  options: { rows?: number; latencyMs?: number } = {},
): Promise<EmulatorProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./emulator-main.ts', import.meta.url))],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        ...process.env,
        BENCH_ROWS: String(options.rows ?? 0),
        BENCH_LATENCY_MS: String(options.latencyMs ?? 0),
      },
    },
  )
  const lines: Interface = createInterface({
    input: child.stdout as NonNullable<ChildProcess['stdout']>,
  })
  const waiting: ((line: string) => void)[] = []
  const ready = once(lines, 'line') as Promise<[string]>
  const [first] = await ready
  lines.on('line', (line) => waiting.shift()?.(line))
  const { instanceUrl, accessToken, pubSubEndpoint, pubSubCertificate } = JSON.parse(first) as {
    instanceUrl: string
    accessToken: string
    pubSubEndpoint: string
    pubSubCertificate: string
  }
  const ask = async <T>(command: object): Promise<T> => {
    const answer = new Promise<string>((resolve) => waiting.push(resolve))
    child.stdin?.write(`${JSON.stringify(command)}\n`)
    const parsed = JSON.parse(await answer) as T & { error?: string }
    if (parsed.error) throw new Error(`emulator process: ${parsed.error}`)
    return parsed
  }
  return {
    instanceUrl,
    accessToken,
    pubSubEndpoint,
    pubSubCertificate,
    used: async () => (await ask<{ used: number }>({ cmd: 'used' })).used,
    latency: async (ms) => {
      await ask({ cmd: 'latency', ms })
    },
    update: async (count, round) =>
      (await ask<{ changed: number }>({ cmd: 'update', count, round })).changed,
    insert: async (name) => (await ask<{ id: string }>({ cmd: 'insert', name })).id,
    cpuSeconds: async () => (await ask<{ seconds: number }>({ cmd: 'cpu' })).seconds,
    stop: async () => {
      const exited = once(child, 'exit')
      child.stdin?.end()
      await exited
    },
  }
}
