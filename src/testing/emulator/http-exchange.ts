import type { IncomingMessage, ServerResponse } from 'node:http'
import { SalesforceApiError } from '../../errors/salesforce-api-error.js'

/** One request being answered: parsed URL, body helpers, and response writers. @internal */
export class HttpExchange {
  readonly url: URL
  readonly method: string
  status = 200
  private readonly headers: Record<string, string> = {}
  private body: Promise<string> | undefined
  readonly request: IncomingMessage
  readonly response: ServerResponse

  constructor(request: IncomingMessage, response: ServerResponse) {
    this.request = request
    this.response = response
    this.url = new URL(request.url ?? '/', 'http://127.0.0.1')
    this.method = (request.method ?? 'GET').toUpperCase()
  }

  get path(): string {
    return this.url.pathname
  }

  header(name: string): string | undefined {
    const value = this.request.headers[name.toLowerCase()]
    return Array.isArray(value) ? value[0] : value
  }

  setHeader(name: string, value: string): void {
    this.headers[name] = value
  }

  /**
   * The whole body as text, read once (later calls get the same text). The emulator reads it as
   * soon as a request comes in: Salesforce carries out a request it has received in full even if
   * the client goes away before the answer, and so does the emulator.
   */
  text(): Promise<string> {
    this.body ??= (async () => {
      const chunks: Buffer[] = []
      for await (const chunk of this.request) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    })()
    return this.body
  }

  /** The JSON body; an unparsable body is a 400 `JSON_PARSER_ERROR`, as Salesforce answers. */
  async json<T>(): Promise<T> {
    const text = await this.text()
    try {
      return JSON.parse(text) as T
    } catch {
      throw new SalesforceApiError('Unexpected character in JSON body', {
        errorCode: 'JSON_PARSER_ERROR',
        statusCode: 400,
      })
    }
  }

  /** The `application/x-www-form-urlencoded` body. */
  async form(): Promise<URLSearchParams> {
    return new URLSearchParams(await this.text())
  }

  sendJson(status: number, body: unknown): void {
    this.send(status, 'application/json;charset=UTF-8', JSON.stringify(body))
  }

  sendEmpty(status: number): void {
    this.send(status, undefined, '')
  }

  send(status: number, contentType: string | undefined, body: string): void {
    this.status = status
    if (contentType) this.headers['Content-Type'] = contentType
    this.response.writeHead(status, this.headers)
    this.response.end(body)
  }

  /** Salesforce's REST error body: `[{ message, errorCode, fields? }]`. */
  sendError(error: unknown): void {
    if (error instanceof SalesforceApiError) {
      const body: Record<string, unknown> = { message: error.message, errorCode: error.errorCode }
      if (error.fields.length > 0) body.fields = error.fields
      this.sendJson(error.statusCode ?? 400, [body])
      return
    }
    this.sendJson(500, [
      {
        message: error instanceof Error ? error.message : String(error),
        errorCode: 'UNKNOWN_EXCEPTION',
      },
    ])
  }
}
