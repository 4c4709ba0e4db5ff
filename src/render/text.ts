import type {StepReport, StepResult} from '../steps/report.js'

const MARK: Record<StepResult['status'], string> = {passed: '✔', failed: '✘', skipped: '–'}

export function renderStepLine(step: StepResult, index: number): string {
  const time = step.status === 'skipped' && step.durationMs === 0 ? '' : ` (${formatDuration(step.durationMs)})`
  const lines = [`${MARK[step.status]} ${index}. ${step.title}${time}: ${step.detail}`]
  if (step.diagnosis) {
    if (step.diagnosis.cause !== step.detail) lines.push(`    cause: ${step.diagnosis.cause}`)
    lines.push(`    next:  ${step.diagnosis.remediation}`)
    if (step.diagnosis.docs) lines.push(`    docs:  ${step.diagnosis.docs}`)
  }
  return lines.join('\n')
}

export function renderSummary(report: StepReport): string {
  const counts = (['passed', 'failed', 'skipped'] as const).map((status) => `${report.steps.filter((step) => step.status === status).length} ${status}`)
  const verdict = report.interrupted ? 'INTERRUPTED' : report.ok ? 'PASSED' : 'FAILED'
  const lines = [`${verdict}: ${counts.join(', ')}`]
  if (report.leftovers.length > 0) lines.push(`left behind (run \`console repo clean\`): ${report.leftovers.join('; ')}`)
  return lines.join('\n')
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}
