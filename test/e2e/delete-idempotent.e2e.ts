import {strict as assert} from 'node:assert'
import {rmSync} from 'node:fs'
import path from 'node:path'

import {assertSnapshotReadable, clusterCaller, console_, engines, writeServices} from '../helpers/e2e.js'

const local = engines()
const cluster = clusterCaller(local.opensearch)
const suffix = Math.random().toString(36).slice(2, 8)
const repository = `e2e_idem_${suffix}`
const bystander = `e2e_idem_keep_${suffix}`
const locationOf = (name: string) => path.join(local.fsRepo, name)

/** A cleanup script run twice, as the console's users write them: delete, delete again, delete after the repository went. */
describe('snapshot delete is idempotent on a real cluster, with the console’s global options before the command', () => {
  const services = () =>
    writeServices(
      `idempotent-${suffix}.yaml`,
      `source_cluster:\n  endpoint: ${local.opensearch}\n  no_auth:\nsnapshot:\n  snapshot_name: snap\n  snapshot_repo_name: ${repository}\n  fs:\n    repo_path: ${locationOf(repository)}\n`,
    )

  before(async () => {
    for (const name of [repository, bystander]) {
      const registered = await cluster('PUT', `/_snapshot/${name}`, {
        settings: {location: locationOf(name)},
        type: 'fs',
      })
      assert.equal(registered.status, 200, JSON.stringify(registered.body))
      const taken = await cluster('PUT', `/_snapshot/${name}/snap?wait_for_completion=true`, {
        include_global_state: false,
        indices: '-*',
      })
      assert.equal(taken.status, 200, JSON.stringify(taken.body))
    }
  })

  after(async () => {
    for (const name of [repository, bystander]) {
      await cluster('DELETE', `/_snapshot/${name}/snap`)
      await cluster('DELETE', `/_snapshot/${name}`)
      rmSync(locationOf(name), {force: true, recursive: true})
    }
  })

  it('deletes once, then finds it already gone (exit 0), then finds the repository gone (exit 0); the other repository’s snapshot stays readable', async () => {
    const file = services()
    const first = await console_(['--json', 'snapshot', 'delete', '--yes', '--config-file', file])
    assert.equal(first.exitCode, 0, first.stdout + first.stderr)
    assert.deepEqual(JSON.parse(first.stdout).result.deleted, ['snap'])

    const again = await console_(['--json', `--config-file=${file}`, 'snapshot', 'delete', '--acknowledge-risk'])
    assert.equal(again.exitCode, 0, again.stdout)
    assert.deepEqual(JSON.parse(again.stdout).result.alreadyGone, ['snap'])

    assert.equal((await cluster('DELETE', `/_snapshot/${repository}`)).status, 200)
    const afterUnregister = await console_(['-v', 'snapshot', 'delete', '--acknowledge-risk', '--config-file', file])
    assert.equal(afterUnregister.exitCode, 0, afterUnregister.stdout + afterUnregister.stderr)
    assert.match(afterUnregister.stdout, new RegExp(`already gone: snap \\(repository ${repository} is not registered`))
    assert.match(afterUnregister.stderr, new RegExp(`console:cluster GET /_snapshot/${repository} 404 \\d+ms`))

    await assertSnapshotReadable(cluster, bystander, 'snap')
  })
})
