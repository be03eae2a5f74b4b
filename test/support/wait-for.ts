/**
 * Polls `check` every 20 ms until it returns true (errors count as false), or rejects after
 * `timeoutMs` naming `what` (a function is asked at the timeout: it can say what went on).
 */
export function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what: string | (() => string) = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const tick = async () => {
      try {
        if (await check()) return resolve()
      } catch {}
      if (Date.now() > deadline)
        reject(new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`))
      else setTimeout(tick, 20)
    }
    void tick()
  })
}
