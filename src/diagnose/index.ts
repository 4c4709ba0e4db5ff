import {factsOf} from './facts.js'
import {type Diagnosis, type DiagnosisContext, type DiagnosisRule, ruleMatches} from './rule.js'
import {DIAGNOSES, unknownDiagnosis} from './table.js'

export {CheckFailure, type CheckName} from './facts.js'
export {nodesNamedInVerification} from './node-rows.js'
export type {Diagnosis, DiagnosisContext} from './rule.js'

/** Explains a failure with the first matching row of the table, or the cluster's own reason. */
export function diagnose(error: unknown, context: DiagnosisContext = {}): Diagnosis {
  const facts = factsOf(error)
  const rule: DiagnosisRule | undefined = DIAGNOSES.find((candidate: DiagnosisRule) => ruleMatches(candidate, facts))
  if (!rule) return unknownDiagnosis(facts)
  const text = (value: ((...args: never[]) => string) | string) =>
    typeof value === 'function' ? (value as (f: typeof facts, c: DiagnosisContext) => string)(facts, context) : value
  return {cause: text(rule.cause), code: rule.code, docs: rule.docs, remediation: text(rule.remediation)}
}
