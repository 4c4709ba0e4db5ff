import {strict as assert} from 'node:assert'
import {existsSync} from 'node:fs'
import path from 'node:path'

import {clusterGet, console_, engines, uniqueSuffix} from '../helpers/e2e.js'

const local = engines()

describe('snapshot verify leaves the ground as it was (real OpenSearch, shared directory)', () => {
  it('an fs base path that did not exist is made by the registration and taken back by cleanup', async () => {
    const base = path.join(local.fsRepo, `e2e-ground-${uniqueSuffix()}`, 'nested')
    assert.equal(existsSync(path.dirname(base)), false)
    const outcome = await console_([
      'snapshot',
      'verify',
      '--endpoint',
      local.opensearch,
      '--fs-path',
      base,
      '--metadata-only',
      '--json',
    ])
    assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
    const report = JSON.parse(outcome.stdout).result
    const cleanup = report.steps.find((step: {name: string}) => step.name === 'cleanup')
    assert.match(cleanup.detail, /the directories the registration made/)
    // The truth beside the verdict: on the filesystem and in the cluster.
    assert.equal(existsSync(path.dirname(base)), false, `${path.dirname(base)} is still there`)
    const registered = await clusterGet(`${local.opensearch}/_snapshot`)
    assert.equal(registered[report.repository.name], undefined)
  })
})
