/**
 * `DEBUG=console:*` (or `console:cluster`, `console:s3`): one line per request on stderr with
 * method, path, status, duration and attempt. Paths and statuses only: no header, body or query
 * value is printed, so no secret can appear.
 */
export type DebugChannel = 'cluster' | 's3'

export function debugEnabled(channel: DebugChannel, env: NodeJS.ProcessEnv = process.env): boolean {
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
  status: number | string
}

export function debugRequest(
  channel: DebugChannel,
  line: RequestLine,
  write: (text: string) => void = (text) => process.stderr.write(text),
): void {
  if (!debugEnabled(channel)) return
  const attempt = line.attempt && line.attempt > 1 ? ` (attempt ${line.attempt})` : ''
  write(`console:${channel} ${line.method} ${line.path} ${line.status} ${line.durationMs}ms${attempt}\n`)
}
