#!/usr/bin/env node
import { main } from './main.js'

// The `pgforce` executable: wires the process (argv, env, stdio, Ctrl-C) to `main`.
let interrupt: () => void = () => {}
const interrupted = new Promise<void>((resolve) => {
  interrupt = resolve
})
process.once('SIGINT', () => {
  process.stderr.write('\nstopping… (Ctrl-C again to force)\n')
  interrupt()
  process.once('SIGINT', () => process.exit(130))
})
// HTTP(S)_PROXY would send even the emulator's localhost traffic through a proxy.
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'])
  delete process.env[name]
const code = await main(
  process.argv.slice(2),
  process.env,
  { out: process.stdout, err: process.stderr, cwd: process.cwd() },
  interrupted,
)
process.exit(code)
