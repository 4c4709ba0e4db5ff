import {factsOf} from './facts.js'
import {type Diagnosis, DIAGNOSES, type DiagnosisContext, unknownDiagnosis} from './table.js'

export type {Diagnosis, DiagnosisContext} from './table.js'
export {CheckFailure} from './facts.js'

/** Explains a failure with the first matching row of the table, or the cluster's own reason. */
export function diagnose(error: unknown, context: DiagnosisContext = {}): Diagnosis {
  const facts = factsOf(error)
  const rule = DIAGNOSES.find((candidate) => candidate.matches(facts))
  if (!rule) return unknownDiagnosis(facts)
  const text = (value: string | ((...args: never[]) => string)) =>
    typeof value === 'function' ? (value as (f: typeof facts, c: DiagnosisContext) => string)(facts, context) : value
  return {code: rule.code, cause: text(rule.cause), remediation: text(rule.remediation), docs: rule.docs}
}
