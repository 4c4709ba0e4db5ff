/**
 * `DEBUG=console:*` (or `console:cluster`, `console:s3`), or `-v` / `--verbose` as the console's own CLI
 * spells it: one line per request on stderr with method, path, status, duration and attempt. Paths and
 * statuses only: no header, body or query value is printed, so no secret can appear. `-vv` adds the
 * bodies a caller passes, as JSON with every secret-looking field replaced.
 */
export type DebugChannel = 'cluster' | 's3'

let level = 0

/** How many times -v was given in this run (0 when not): 1 logs requests, 2 also their bodies. */
export function setVerbosity(times: number): void {
  level = times
}

export function verbosity(): number {
  return level
}

export function debugEnabled(channel: DebugChannel, env: NodeJS.ProcessEnv = process.env): boolean {
  if (verbosity() > 0) return true
  const patterns = (env.DEBUG ?? '').split(/[\s,]+/).filter(Boolean)
  return patterns.some((pattern) => {
    const negated = pattern.startsWith('-')
    if (negated) return false
    const expression = new RegExp(
      `^${pattern.replaceAll(/[.+?^${}()|[\]\\]/g, String.raw`\$&`).replaceAll('*', '.*')}$`,
    )
    return expression.test(`console:${channel}`)
  })
}

export interface RequestLine {
  attempt?: number
  durationMs: number
  method: string
  path: string
  /** Printed only at -vv, without secrets. */
  requestBody?: unknown
  /** Printed only at -vv, without secrets. */
  responseBody?: unknown
  status: number | string
}

const SECRET_KEY = /pass(word)?|secret|token|key|credential|authorization|session|signature/i
const MAX_BODY_CHARS = 4000

/** A body as JSON with the value of every secret-looking field replaced; text that is not JSON is only measured. */
export function redactedBody(body: unknown): string {
  let value = body
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const text = body.toString()
    try {
      value = JSON.parse(text)
    } catch {
      return `<${Buffer.byteLength(text)} bytes, not JSON: not shown>`
    }
  }

  const redact = (item: unknown): unknown =>
    Array.isArray(item)
      ? item.map((element) => redact(element))
      : item !== null && typeof item === 'object'
        ? Object.fromEntries(
            Object.entries(item).map(([key, field]) => [key, SECRET_KEY.test(key) ? '<redacted>' : redact(field)]),
          )
        : item
  const text = JSON.stringify(redact(value)) ?? String(value)
  return text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}… (${text.length} chars)` : text
}

export function debugRequest(
  channel: DebugChannel,
  line: RequestLine,
  write: (text: string) => void = (text) => process.stderr.write(text),
): void {
  if (!debugEnabled(channel)) return
  const attempt = line.attempt && line.attempt > 1 ? ` (attempt ${line.attempt})` : ''
  write(`console:${channel} ${line.method} ${line.path} ${line.status} ${line.durationMs}ms${attempt}\n`)
  if (verbosity() < 2) return
  if (line.requestBody !== undefined) write(`console:${channel}   sent ${redactedBody(line.requestBody)}\n`)
  if (line.responseBody !== undefined) write(`console:${channel}   got  ${redactedBody(line.responseBody)}\n`)
}
