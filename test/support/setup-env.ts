// Runs in every test worker before any test file is imported (vitest `setupFiles`).
import { clearProxyEnv } from './proxy-env.js'

clearProxyEnv()
