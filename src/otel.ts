/**
 * pgforce/otel: reports pgforce to OpenTelemetry — spans around pulls, pushes and stream batches,
 * and metrics — when `@opentelemetry/api` (an optional peer dependency) is installed. Nothing of
 * it is loaded by `pgforce` itself (docs/guides/monitoring.md, "OpenTelemetry").
 * @packageDocumentation
 */
export {
  instrumentOpenTelemetry,
  type OpenTelemetryApi,
  type OpenTelemetryInstrumentation,
  type OpenTelemetryOptions,
} from './otel/instrument-open-telemetry.js'
