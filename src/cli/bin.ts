#!/usr/bin/env node
import { unsupportedNodeMessage } from '../salesforce/supported-node.js'

// The `pgforce` executable: wires the process (argv, env, stdio, Ctrl-C) to `main`. The Node.js
// check comes before `main` (and jsforce with it) is loaded, so an old Node gets one line.
const tooOld = unsupportedNodeMessage(process.versions.node)
if (tooOld) {
  process.stderr.write(`pgforce: ${tooOld}\n`)
  process.exit(1)
}
const { main } = await import('./main.js')
let interrupt: () => void = () => {}
const interrupted = new Promise<void>((resolve) => {
  interrupt = resolve
})
process.once('SIGINT', () => {
  process.stderr.write('\nstopping… (Ctrl-C again to force)\n')
  interrupt()
  process.once('SIGINT', () => process.exit(130))
})
// A container stops with SIGTERM: `pgforce run` stops gracefully, within its --stop-timeout
// (a process manager may relay the signal twice; the stop under way carries on).
process.on('SIGTERM', () => interrupt())
const code = await main(
  process.argv.slice(2),
  process.env,
  { out: process.stdout, err: process.stderr, cwd: process.cwd() },
  interrupted,
)
process.exit(code)
