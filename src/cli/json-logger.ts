import { hostname } from 'node:os'
import type { Logger } from '../index.js'

/** pino's numeric levels. */
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const

/** A level name `--log-level` takes. */
export type LogLevel = keyof typeof LEVELS

function serialize(value: unknown): unknown {
  if (!(value instanceof Error)) return value
  const extra = value as Error & { code?: unknown; errorCode?: unknown }
  return {
    type: value.name,
    message: value.message,
    stack: value.stack,
    ...(extra.code === undefined ? {} : { code: extra.code }),
    ...(extra.errorCode === undefined ? {} : { errorCode: extra.errorCode }),
  }
}

/**
 * A logger that writes one JSON object per line in pino's format (`level` as pino's number,
 * `time` in ms, `pid`, `hostname`, `msg`, then the bindings; errors under `err` with `type`,
 * `message`, `stack`), so pino-pretty and log pipelines built for pino read `pgforce run`'s output.
 */
export function jsonLogger(
  out: { write(text: string): unknown },
  level: LogLevel = 'info',
  base: Readonly<Record<string, unknown>> = {},
): Logger {
  const min = LEVELS[level]
  const host = hostname()
  const method =
    (name: LogLevel) =>
    (bindings: Readonly<Record<string, unknown>>, message: string): void => {
      if (LEVELS[name] < min) return
      const fields: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(bindings)) fields[key] = serialize(value)
      const line = {
        level: LEVELS[name],
        time: Date.now(),
        pid: process.pid,
        hostname: host,
        ...base,
        ...fields,
        msg: message,
      }
      out.write(`${JSON.stringify(line)}\n`)
    }
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
  }
}
