import {strict as assert} from 'node:assert'
import {
  appendFileSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {readBackSnapshot, type ShardReadError} from '../../src/snapshot-format/read-back.js'
import {DirectoryBlobStore} from '../../src/store/blobs.js'
import {clusterCaller, runCli} from '../helpers/e2e.js'
import {repoRoot} from '../helpers/paths.js'

/**
 * One source cluster of the matrix (scripts/matrix starts each in turn): verify, delete (with the
 * recovery from files deleted behind the cluster, where the version shows the conflict) and clean,
 * on a real fs repository. Each outcome is a row of the version × command table; with
 * CAPTURE_FIXTURES=1 the answers the plugin parses and the files a snapshot writes are kept as fixtures.
 */
const url = process.env.SOURCE_URL
const engine = process.env.SOURCE_ENGINE
const node = process.env.SOURCE_NODE
const fsRepo = process.env.FS_REPO_DIR
if (!url || !engine || !node || !fsRepo)
  throw new Error('the matrix suite runs through scripts/matrix (SOURCE_URL, SOURCE_ENGINE, SOURCE_NODE, FS_REPO_DIR)')
const label = engine.replace(':', '-')
const scratch = mkdtempSync(path.join(tmpdir(), 'console-matrix-'))
const fixtures = process.env.CAPTURE_FIXTURES ? path.join(repoRoot, 'test', 'fixtures', 'engines', label) : undefined
const repository = 'matrix_repo'
const location = path.join(fsRepo, `matrix-${label}`)
const index = 'matrix-books'

function row(command: string, result: string) {
  if (process.env.MATRIX_RESULTS)
    appendFileSync(process.env.MATRIX_RESULTS, `${JSON.stringify({command, engine, result})}\n`)
}

const cluster = clusterCaller(url!)

async function capture(name: string, method: string, requestPath: string, body?: unknown) {
  const answer = await cluster(method, requestPath, body)
  if (fixtures) {
    mkdirSync(fixtures, {recursive: true})
    writeFileSync(
      path.join(fixtures, `${name}.json`),
      `${JSON.stringify({body: answer.body, request: `${method} ${requestPath}`, status: answer.status}, null, 2)}\n`,
    )
  }

  return answer
}

const cli = (args: string[]) => runCli([...args, '--endpoint', url!], {CONSOLE_DATA_DIR: path.join(scratch, 'data')})

const takeSnapshot = (name: string) =>
  cluster('PUT', `/_snapshot/${repository}/${name}?wait_for_completion=true`, {
    include_global_state: false,
    indices: index,
  })
/**
 * The shard level of a real snapshot of the index, compressed and not, kept as fixtures for the
 * shard-metadata and checksum readers (test/unit/shard-snapshot.test.ts).
 */
async function captureShardFiles() {
  if (!fixtures) return
  const shard = path.join(fixtures, 'shard')
  rmSync(shard, {force: true, recursive: true})
  cpSync(location, path.join(shard, 'uncompressed'), {recursive: true})
  const compressedLocation = `${location}-compressed`
  rmSync(compressedLocation, {force: true, recursive: true})
  const registered = await cluster('PUT', '/_snapshot/matrix_compressed', {
    settings: {compress: true, location: compressedLocation},
    type: 'fs',
  })
  assert.equal(registered.status, 200, JSON.stringify(registered.body))
  const taken = await cluster('PUT', '/_snapshot/matrix_compressed/snap-1?wait_for_completion=true', {
    include_global_state: false,
    indices: index,
  })
  assert.equal(taken.status, 200, JSON.stringify(taken.body))
  cpSync(compressedLocation, path.join(shard, 'compressed'), {recursive: true})
  await cluster('DELETE', '/_snapshot/matrix_compressed/snap-1')
  await cluster('DELETE', '/_snapshot/matrix_compressed')
  rmSync(compressedLocation, {force: true, recursive: true})
}

const step = (report: {steps: {name: string}[]}, name: string): any =>
  report.steps.find((candidate) => candidate.name === name)

/** Runs a check and records its row: passed, or the first line of why not. */
async function recorded(command: string, check: () => Promise<string | void>) {
  try {
    const note = await check()
    row(command, note ? `passed (${note})` : 'passed')
  } catch (error) {
    row(command, `FAILED: ${(error as Error).message.split('\n')[0].slice(0, 120)}`)
    throw error
  }
}

describe(`source cluster ${engine}`, () => {
  before(async () => {
    rmSync(location, {force: true, recursive: true})
    await cluster('DELETE', `/_snapshot/${repository}`)
    await cluster('DELETE', `/${index}`)
    for (let document = 1; document <= 3; document++)
      await cluster('PUT', `/${index}/_doc/${document}?refresh=true`, {title: `book ${document}`})
    await capture('root', 'GET', '/')
    await capture('nodes-version', 'GET', '/_nodes?filter_path=cluster_name,nodes.*.version')
    await capture('nodes-plugins', 'GET', '/_nodes/plugins')
  })

  after(async () => {
    await cluster('DELETE', `/_snapshot/${repository}`)
    await cluster('DELETE', `/${index}`)
    rmSync(location, {force: true, recursive: true})
  })

  it('snapshot verify on an fs repository passes all its steps, shard data read back, and leaves nothing', () =>
    recorded('verify (fs, shard data)', async () => {
      const outcome = await cli(['snapshot', 'verify', '--fs-path', path.join(fsRepo, `verify-${label}`), '--json'])
      assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
      const report = JSON.parse(outcome.stdout).result
      assert.equal(report.cluster.version, engine.split(':')[1])
      assert.match(step(report, 'index').detail, new RegExp(`^${index}: 3 document`))
      assert.match(step(report, 'in-bucket').detail, /lists it as success/)
      const readBack = step(report, 'read-back')
      assert.equal(readBack.status, 'passed', readBack.detail)
      assert.match(readBack.detail, /lengths and Lucene checksums match/)
      assert.deepEqual(report.notProven, [])
      assert.equal(existsSync(report.repository.location), false, 'the test location is gone')
      const stillRegistered = Object.keys((await cluster('GET', '/_snapshot')).body as object)
      assert.deepEqual(
        stillRegistered.filter((name) => name.startsWith('verify_')),
        [],
      )
      return readBack.detail.split(';')[0]
    }))

  it('a shard file with one byte changed in the repository fails the read-back naming the file', () =>
    recorded('read-back: corrupt shard file', async () => {
      const corruptLocation = `${location}-corrupt`
      rmSync(corruptLocation, {force: true, recursive: true})
      await cluster('PUT', '/_snapshot/matrix_corrupt', {
        settings: {compress: false, location: corruptLocation},
        type: 'fs',
      })
      try {
        assert.equal(
          (await cluster('PUT', '/_snapshot/matrix_corrupt/snap-c?wait_for_completion=true', {indices: index})).status,
          200,
        )
        const store = new DirectoryBlobStore(corruptLocation)
        const intact = await readBackSnapshot(store, '', 'snap-c')
        assert.ok(intact.files > 0)
        const victim = intact.largest!.key
        const bytes = readFileSync(path.join(corruptLocation, victim))
        bytes[Math.floor(bytes.length / 2)] += 1
        writeFileSync(path.join(corruptLocation, victim), bytes)
        await assert.rejects(readBackSnapshot(store, '', 'snap-c'), (error: ShardReadError) => {
          assert.equal(error.kind, 'corrupt')
          assert.equal(error.key, victim)
          assert.ok(error.message.includes(`/${victim} (`), error.message)
          return true
        })
        return `names ${victim.split('/').slice(-2).join('/')}`
      } finally {
        await cluster('DELETE', '/_snapshot/matrix_corrupt/snap-c')
        await cluster('DELETE', '/_snapshot/matrix_corrupt')
        rmSync(corruptLocation, {force: true, recursive: true})
      }
    }))

  it('snapshot verify for S3 fails step 2 naming the node without repository-s3', () =>
    recorded('verify (s3): step 2', async () => {
      const outcome = await cli([
        'snapshot',
        'verify',
        '--bucket',
        'matrix-bucket',
        '--region',
        'us-east-1',
        '--s3-endpoint',
        'http://127.0.0.1:9',
        '--json',
      ])
      assert.equal(outcome.exitCode, 1, outcome.stdout + outcome.stderr)
      const plugin = step(JSON.parse(outcome.stdout).result, 'plugin')
      assert.equal(plugin.status, 'failed')
      assert.match(plugin.detail, new RegExp(`repository-s3 is missing on 1 of 1 node\\(s\\): ${node}`))
      await capture('error-s3-type-missing', 'PUT', '/_snapshot/matrix_s3', {
        settings: {bucket: 'matrix-bucket'},
        type: 's3',
      })
      return 'fails naming the node'
    }))

  it('snapshot delete deletes a real snapshot through the cluster', () =>
    recorded('delete', async () => {
      assert.equal(
        (
          await capture('register-fs', 'PUT', `/_snapshot/${repository}`, {
            settings: {compress: false, location},
            type: 'fs',
          })
        ).status,
        200,
      )
      assert.equal((await takeSnapshot('snap-1')).status, 200)
      await capture('repository', 'GET', `/_snapshot/${repository}`)
      await capture('snapshots-all', 'GET', `/_snapshot/${repository}/_all`)
      await capture('snapshot-status', 'GET', `/_snapshot/${repository}/snap-1/_status`)
      await capture('cluster-state-repositories', 'GET', '/_cluster/state/metadata?filter_path=metadata.repositories')
      await capture('error-name-conflict', 'PUT', `/_snapshot/${repository}/snap-1?wait_for_completion=true`, {
        indices: index,
      })
      await capture('error-snapshot-missing', 'GET', `/_snapshot/${repository}/never-taken`)
      await capture('error-repository-missing', 'GET', '/_snapshot/never_registered')
      if (fixtures) {
        const files = path.join(fixtures, 'repository')
        rmSync(files, {force: true, recursive: true})
        mkdirSync(files, {recursive: true})
        for (const name of readdirSync(location))
          if (statSync(path.join(location, name)).isFile())
            copyFileSync(path.join(location, name), path.join(files, name))
        await captureShardFiles()
      }

      const deleted = await cli([
        'snapshot',
        'delete',
        '--repository',
        repository,
        '--snapshot',
        'snap-1',
        '--yes',
        '--json',
      ])
      assert.equal(deleted.exitCode, 0, deleted.stdout + deleted.stderr)
      assert.deepEqual(JSON.parse(deleted.stdout).result.deleted, ['snap-1'])
      assert.equal((await cluster('GET', `/_snapshot/${repository}/snap-1`)).status, 404)
    }))

  it('snapshot delete recovers after the files were deleted behind the cluster', () =>
    recorded('delete: out-of-band recovery', async () => {
      assert.equal((await takeSnapshot('snap-2')).status, 200)
      for (const name of readdirSync(location)) rmSync(path.join(location, name), {force: true, recursive: true})
      const conflict = await takeSnapshot('snap-2')
      const recovered = await cli([
        'snapshot',
        'delete',
        '--repository',
        repository,
        '--snapshot',
        'snap-2',
        '--yes',
        '--json',
      ])
      assert.equal(recovered.exitCode, 0, recovered.stdout + recovered.stderr)
      const again = await takeSnapshot('snap-2')
      assert.equal(again.status, 200, JSON.stringify(again.body))
      return conflict.status === 200
        ? 'this version shows no conflict'
        : `conflict ${conflict.status} shown, then recovered`
    }))

  it('repo clean removes the repository, its snapshots and its own files', () =>
    recorded('clean', async () => {
      writeFileSync(path.join(location, 'NOTES.txt'), 'not the repository’s')
      const cleaned = await cli([
        'repo',
        'clean',
        '--repository',
        repository,
        '--force',
        '--confirm',
        repository,
        '--json',
      ])
      assert.equal(cleaned.exitCode, 0, cleaned.stdout + cleaned.stderr)
      assert.equal((await cluster('GET', `/_snapshot/${repository}`)).status, 404)
      assert.deepEqual(readdirSync(location), ['NOTES.txt'], 'only what is not the repository’s remains')
      assert.ok(existsSync(path.join(location, 'NOTES.txt')))
    }))
})
