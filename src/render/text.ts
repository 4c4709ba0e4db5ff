import type {StepReport, StepResult} from '../steps/report.js'
import type {NodeProof} from '../verify/node-report.js'

import {renderNodeProofs} from './node-lines.js'

const MARK: Record<StepResult['status'], string> = {failed: '✘', passed: '✔', skipped: '–'}
// ANSI colours, only where the caller says the terminal takes them (a TTY, no NO_COLOR, no --no-color).
const COLOUR: Record<'bold' | StepResult['status'], string> = {bold: '1', failed: '31', passed: '32', skipped: '90'}
const paint = (text: string, colour: keyof typeof COLOUR, enabled: boolean) =>
  enabled ? `\u001B[${COLOUR[colour]}m${text}\u001B[0m` : text

export interface RenderOptions {
  color?: boolean
}

export function renderStepLine(step: StepResult, index: number, options: RenderOptions = {}): string {
  const color = options.color ?? false
  const time = step.status === 'skipped' && step.durationMs === 0 ? '' : ` (${formatDuration(step.durationMs)})`
  const lines = [
    `${paint(MARK[step.status], step.status, color)} ${index}. ${paint(step.title, 'bold', color)}${time}: ${step.detail}`,
  ]
  if (step.diagnosis) {
    if (step.diagnosis.cause !== step.detail) lines.push(`    cause: ${step.diagnosis.cause}`)
    lines.push(`    next:  ${step.diagnosis.remediation}`)
    if (step.diagnosis.docs) lines.push(`    docs:  ${step.diagnosis.docs}`)
  }

  return lines.join('\n')
}

export function renderSummary(report: StepReport & {nodes?: NodeProof[]}, options: RenderOptions = {}): string {
  const counts = (['passed', 'failed', 'skipped'] as const).map(
    (status) => `${report.steps.filter((step) => step.status === status).length} ${status}`,
  )
  const verdict = report.interrupted ? 'INTERRUPTED' : report.ok ? 'PASSED' : 'FAILED'
  const lines = [`${paint(verdict, report.ok ? 'passed' : 'failed', options.color ?? false)}: ${counts.join(', ')}`]
  lines.push(...renderNodeProofs(report.nodes))
  for (const gap of report.notProven ?? []) lines.push(`not proven: ${gap}`)
  for (const note of report.notes ?? []) lines.push(`note: ${note}`)
  if (report.leftovers.length > 0)
    lines.push(`left behind (run \`console repo clean\`): ${report.leftovers.join('; ')}`)
  return lines.join('\n')
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}
