import type {ClusterAuth} from '../services/model.js'
import type {VerifyRequest, VerifyView} from './context.js'
import type {PlannedRequest} from './planned.js'

import {shellQuote} from '../format.js'
import {Locations} from '../location/open.js'
import {CLEANUP_STEP} from './run.js'
import {plannedDataIndex} from './shard-data.js'
import {VERIFY_STEPS} from './steps.js'

/** Credentials as a reader may see them in a printed command: names of secrets, never values. */
function curlAuth(auth: ClusterAuth): string {
  switch (auth.kind) {
    case 'basic': {
      return ` -u ${shellQuote(`${auth.username}:<password>`)}`
    }

    case 'basic-k8s':
    case 'basic-secret': {
      return " -u '<username>:<password from the secret>'"
    }

    case 'none': {
      return ''
    }

    case 'sigv4': {
      return ` --aws-sigv4 ${shellQuote(`aws:amz:${auth.region ?? '$AWS_REGION'}:${auth.service}`)} --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"`
    }
  }
}

/**
 * The requests a run will send, step by step in the order the steps run, cleanup last: each step that applies
 * (its skip rule read on what is known before the run) says what it sends.
 */
export function plannedRequests(request: VerifyRequest): {request: PlannedRequest; step: string}[] {
  // A dry run reaches no bucket: its locations are only described.
  const location = new Locations(() => Promise.reject(new Error('a dry run sends nothing'))).of(request.storage)
  const view: VerifyView = {
    ...request,
    dataIndex: plannedDataIndex(request),
    location,
    testLocation: location.child(request.repository),
  }
  return [...VERIFY_STEPS, CLEANUP_STEP].flatMap((step) =>
    step.skipReason?.(view) ? [] : (step.plan?.(view) ?? []).map((planned) => ({request: planned, step: step.name})),
  )
}

/** `--dry-run`: the run's requests as the curl and aws commands a person would type (every value shell-quoted). */
export function verificationPlan(request: VerifyRequest, cluster: {auth: ClusterAuth; endpoint: string}): string[] {
  const comment = (note?: string) => (note ? `   # ${note}` : '')
  return plannedRequests(request).map(({request: planned}) => {
    if (planned.to === 'reads') return `# ${planned.note}`
    if (planned.to === 'store') return `${planned.command}${comment(planned.note)}`
    const {body, method, note, path} = planned
    const data = body === undefined ? '' : ` -H 'Content-Type: application/json' -d ${shellQuote(JSON.stringify(body))}`
    return `curl -X ${method} ${shellQuote(`${cluster.endpoint}${path}`)}${curlAuth(cluster.auth)}${data}${comment(note)}`
  })
}
