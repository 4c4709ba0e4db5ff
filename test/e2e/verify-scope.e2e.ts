import {strict as assert} from 'node:assert'
import {rmSync} from 'node:fs'
import path from 'node:path'

import {clusterCaller, console_, engines, uniqueSuffix} from '../helpers/e2e.js'

const local = engines()

/** The body the console's CreateSnapshot sends for the migration's snapshot (no allowlist). */
const CREATE_SNAPSHOT_BODY = {ignore_unavailable: true, include_global_state: true, indices: '_all'}

const clusters = [
  {name: 'OpenSearch', url: local.opensearch},
  ...(local.elasticsearch ? [{name: 'Elasticsearch', url: local.elasticsearch}] : []),
]

/** `snapshot verify --json` of the cluster at `url` into this run's own fs repository folder. */
const verifyOn = (url: string, suffix: string, ...flags: string[]) =>
  console_([
    'snapshot',
    'verify',
    '--endpoint',
    url,
    '--fs-path',
    path.join(local.fsRepo, `e2e-scope-${suffix}`),
    ...flags,
    '--json',
  ])

describe("snapshot verify checks the migration's scope (what CreateSnapshot snapshots)", () => {
  if (!local.elasticsearch) console.log('      Elasticsearch is not running here: only OpenSearch is tried')
  for (const engine of clusters)
    it(`on ${engine.name}: an index whose primary cannot be allocated fails verify naming it, as the real snapshot fails`, async () => {
      const cluster = clusterCaller(engine.url)
      const suffix = uniqueSuffix()
      const red = `e2e-scope-red-${suffix}`
      const repository = `e2e-scope-truth-${suffix}`
      try {
        const created = await cluster('PUT', `/${red}?wait_for_active_shards=0`, {
          settings: {'index.routing.allocation.require._name': 'nowhere', number_of_replicas: 0, number_of_shards: 1},
        })
        assert.equal(created.status, 200, JSON.stringify(created.body))

        const outcome = await verifyOn(engine.url, suffix)
        assert.equal(outcome.exitCode, 1, outcome.stdout + outcome.stderr)
        const report = JSON.parse(outcome.stdout).result
        const failed = report.steps.filter((step: {status: string}) => step.status === 'failed')
        assert.deepEqual(
          failed.map((step: {name: string}) => step.name),
          ['cluster'],
        )
        assert.match(failed[0].detail, new RegExp(`index ${red} has no allocated primary shard`))
        assert.equal(failed[0].diagnosis.code, 'scope-primary-unallocated')

        // The truth beside the verdict: the migration's own snapshot request on the same cluster.
        const registered = await cluster('PUT', `/_snapshot/${repository}`, {
          settings: {location: path.join(local.fsRepo, repository)},
          type: 'fs',
        })
        assert.equal(registered.status, 200, JSON.stringify(registered.body))
        const truth = await cluster(
          'PUT',
          `/_snapshot/${repository}/migration?wait_for_completion=true`,
          CREATE_SNAPSHOT_BODY,
        )
        assert.equal(truth.status, 500, JSON.stringify(truth.body))
        assert.match(JSON.stringify(truth.body), new RegExp(`Indices don't have primary shards \\[${red}\\]`))
      } finally {
        await cluster('DELETE', `/${red}`)
        await cluster('DELETE', `/_snapshot/${repository}`)
        // The nodes wrote the truth's repository here; it is this test's own folder.
        rmSync(path.join(local.fsRepo, repository), {force: true, recursive: true})
      }

      // Once the red index is gone, the same run passes its first step.
      const after = await verifyOn(engine.url, suffix, '--metadata-only')
      const cluster1 = JSON.parse(after.stdout).result.steps[0]
      assert.equal(cluster1.status, 'passed', cluster1.detail)
      assert.match(cluster1.detail, /the migration's snapshot covers \d+ open ind/)
    })
})
