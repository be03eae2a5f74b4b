import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/** What a trial process reports: its own figures, plus peak RSS and CPU of that process. */
export interface TrialReport {
  /** Wall time of the measured window. */
  readonly seconds: number
  /** Peak RSS of the trial process during the window, MB. */
  readonly peakRssMb: number
  /** CPU time of the trial process during the window, s. */
  readonly cpuSeconds: number
  /**
   * CPU time the whole machine spent during the window (every process: the trial, the emulator,
   * Postgres, and whatever else runs), s; from /proc/stat, 0 where there is none.
   */
  readonly machineCpuSeconds: number
  readonly [figure: string]: number
}

/**
 * Runs `script` (a file of bench/trials/) in a fresh process with `env`, and returns what it
 * reported through {@link measure}. A fresh process per trial keeps one variant's memory, JIT and
 * pools out of another's figures. The script runs as plain JavaScript, bundled once per bench by
 * esbuild (packages stay imports), as an app runs the built library: under tsx every process
 * also carried tsx's loader thread and the transpiled sources, about 45 MB of RSS that was
 * neither pgforce's nor the peer's.
 */
export async function runTrial(script: string, env: Record<string, string>): Promise<TrialReport> {
  const child = spawn(process.execPath, ['--expose-gc', await bundled(script)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  const line = output
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('TRIAL '))
  if (code !== 0 || !line) throw new Error(`trial ${script} failed (exit ${code}):\n${output}`)
  return JSON.parse(line.slice('TRIAL '.length)) as TrialReport
}

const bundles = new Map<string, Promise<string>>()

/**
 * `script` bundled into node_modules/.cache/pgforce-bench/ (where its packages resolve from the
 * project's node_modules), once per bench process; the bundle's path.
 */
function bundled(script: string): Promise<string> {
  let bundle = bundles.get(script)
  if (!bundle) {
    const outfile = fileURLToPath(
      new URL(
        `../../node_modules/.cache/pgforce-bench/${script.replace(/\.ts$/, '.mjs')}`,
        import.meta.url,
      ),
    )
    bundle = build({
      entryPoints: [fileURLToPath(new URL(`../trials/${script}`, import.meta.url))],
      outfile,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node22',
      logLevel: 'warning',
    }).then(() => outfile)
    bundles.set(script, bundle)
  }
  return bundle
}

/**
 * In a trial process: runs `work` as the measured window, sampling this process's RSS every
 * 20 ms (a timer, not a busy loop), and prints the report for {@link runTrial}. `work` returns
 * extra figures (rows, API calls, …).
 */
export async function measure(work: () => Promise<Record<string, number>>): Promise<void> {
  ;(globalThis as { gc?: () => void }).gc?.()
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 20)
  // Diagnosis only (it changes what it measures): BENCH_LIVE_HEAP=1 collects every 100 ms and
  // reports the largest heap left after a collection, i.e. what the trial keeps live.
  let live = 0
  const collector = process.env.BENCH_LIVE_HEAP
    ? setInterval(() => {
        ;(globalThis as { gc?: () => void }).gc?.()
        live = Math.max(live, process.memoryUsage().heapUsed)
      }, 100)
    : undefined
  const cpu = process.cpuUsage()
  const machine = machineBusySeconds()
  const started = performance.now()
  const figures = await work()
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  const machineUsed = machineBusySeconds() - machine
  clearInterval(sampler)
  clearInterval(collector)
  peak = Math.max(peak, process.memoryUsage().rss)
  const report: TrialReport = {
    ...figures,
    seconds,
    peakRssMb: peak / 1024 / 1024,
    ...(collector ? { liveHeapMb: live / 1024 / 1024 } : {}),
    cpuSeconds: (used.user + used.system) / 1e6,
    machineCpuSeconds: machineUsed,
  }
  process.stdout.write(`TRIAL ${JSON.stringify(report)}\n`)
}

/** Busy CPU time of the whole machine since boot (user, nice, system, irq, softirq), s. */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
    const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number)
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / 100
  } catch {
    return 0
  }
}
