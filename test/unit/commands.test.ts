import {strict as assert} from 'node:assert'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {embedding} from '../../src/base-command.js'
import {AnsweringPrompter} from '../../src/prompts.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'
import {localFixture} from '../helpers/paths.js'
import {runCommand} from '../helpers/run-command.js'

const scratch = mkdtempSync(path.join(tmpdir(), 'commands-test-'))
const dataDir = path.join(scratch, 'data')
function servicesFile(text: string): string {
  const file = path.join(scratch, `services-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(file, text)
  return file
}

const localServices = () =>
  servicesFile(`source_cluster:
  endpoint: http://source.test:9200
  no_auth:
snapshot:
  snapshot_name: rfs-snapshot
  s3:
    repo_uri: s3://migration-bucket/rfs-snapshot-repo
    aws_region: us-east-1
    endpoint: http://s3.test:9000
`)

// A scripted session as CI runs it: no TTY, CI set. Each test names what it changes.
/** The services file's cluster and its bucket, both faked and installed (the cluster is installed by the test). */
function sourceAndBucket() {
  const s3 = new FakeS3().addBucket('migration-bucket')
  s3.install()
  return {cluster: new FakeCluster('http://source.test:9200', s3), s3}
}

const scripted = {CI: 'true', CONSOLE_DATA_DIR: dataDir, MIGRATION_SERVICES_YAML_PATH: undefined}

describe('commands', () => {
  before(() => {
    embedding().clusterClientOptions = {retry: {baseDelayMs: 1, maxDelayMs: 2, retries: 1}}
  })

  afterEach(() => {
    embedding().prompter = undefined
  })

  it('shows help for all three commands without a services file', async () => {
    for (const command of [
      ['snapshot', 'verify'],
      ['snapshot', 'delete'],
      ['repo', 'clean'],
    ]) {
      const outcome = await runCommand([...command, '--help'], {
        ...scripted,
        MIGRATION_SERVICES_YAML_PATH: '/nonexistent/services.yaml',
      })
      assert.equal(outcome.exitCode, 0, outcome.stderr)
      assert.match(outcome.stdout, new RegExp(`\\$ console ${command.join(' ')}`))
    }
  })

  it('runs the verify steps from the services file and says plainly that a cluster without a small index leaves the shard-data path unproven', async () => {
    const {cluster} = sourceAndBucket()
    cluster.indices = [
      {'docs.count': '0', index: 'empty', pri: '1', 'pri.store.size': '208', status: 'open'},
      {'docs.count': '10', index: '.kibana', pri: '1', 'pri.store.size': '5000', status: 'open'},
      {'docs.count': '10', index: 'huge', pri: '1', 'pri.store.size': String(65 * 1024 * 1024), status: 'open'},
    ]
    cluster.install()
    const outcome = await runCommand(['snapshot', 'verify', '--config-file', localServices()], scripted)
    assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
    for (const step of [1, 2, 3, 4, 5, 7, 8, 9, 11]) assert.match(outcome.stdout, new RegExp(`✔ ${step}\\. `))
    assert.match(
      outcome.stdout,
      /– 6\. Index for the shard-data test chosen.*shard-data path not proven: none of the cluster's 3 index\(es\) is open, not a system index, holds documents/,
    )
    assert.match(outcome.stdout, /– 10\. Shard files read back/)
    assert.match(outcome.stdout, /PASSED: 9 passed, 0 failed, 2 skipped/)
    assert.match(
      outcome.stdout,
      /not proven: the shard-data path.*no open, non-system index with documents is under 64\.0 MiB/,
    )
    const snapshot = cluster.requests.find(
      (request) => request.method === 'PUT' && /verify_snapshot_/.test(request.path),
    )
    assert.deepEqual(snapshot?.body, {ignore_unavailable: true, include_global_state: true, indices: '-*'})
  })

  it('copies the smallest qualifying index in the test snapshot, with the global state', async () => {
    const {cluster} = sourceAndBucket()
    cluster.indices = [
      {'docs.count': '3', index: 'larger', pri: '1', 'pri.store.size': '90000', status: 'open'},
      {'docs.count': '3', index: 'small', pri: '1', 'pri.store.size': '9000', status: 'open'},
    ]
    cluster.install()
    const outcome = await runCommand(['snapshot', 'verify', '--config-file', localServices(), '--json'], scripted)
    const report = JSON.parse(outcome.stdout).result
    assert.match(report.steps.find((step: {name: string}) => step.name === 'index').detail, /^small: 3 document/)
    const snapshot = cluster.requests.find(
      (request) => request.method === 'PUT' && /verify_snapshot_/.test(request.path),
    )
    assert.deepEqual(snapshot?.body, {ignore_unavailable: false, include_global_state: true, indices: 'small'})
    // The fake cluster writes no shard files: the read-back fails naming what it could not find.
    const readBack = report.steps.find((step: {name: string}) => step.name === 'read-back')
    assert.equal(readBack.status, 'failed')
    assert.match(
      readBack.detail,
      /does not list index small in verify_snapshot_.*: the backfill would find no shard to read/,
    )
    assert.equal(readBack.diagnosis.code, 'shard-file-missing')
    assert.equal(outcome.exitCode, 1)
  })

  it('says what --metadata-only does not prove', async () => {
    const s3 = new FakeS3().addBucket('migration-bucket')
    s3.install()
    new FakeCluster('http://source.test:9200', s3).install()
    const outcome = await runCommand(
      ['snapshot', 'verify', '--config-file', localServices(), '--metadata-only', '--json'],
      scripted,
    )
    assert.equal(outcome.exitCode, 0, outcome.stdout)
    const report = JSON.parse(outcome.stdout).result
    assert.match(report.notProven.join('\n'), /shard-data path.*\(--metadata-only\)/)
  })

  it('refuses bad shard-data flags, naming the value and the rule (exit 2)', async () => {
    const size = await runCommand(
      ['snapshot', 'verify', '--config-file', localServices(), '--max-index-size', '64 parsecs'],
      scripted,
    )
    assert.equal(size.exitCode, 2)
    assert.match(size.stderr, /--max-index-size "64 parsecs": must be a size above zero such as 64mb/)
    const both = await runCommand(
      ['snapshot', 'verify', '--config-file', localServices(), '--index', 'a', '--metadata-only'],
      scripted,
    )
    assert.equal(both.exitCode, 2)
    assert.match(both.stderr, /--metadata-only|--index/)
    const name = await runCommand(
      ['snapshot', 'verify', '--config-file', localServices(), '--index', 'Books'],
      scripted,
    )
    assert.equal(name.exitCode, 2)
    assert.match(name.stderr, /--index "Books": must be lowercase/)
  })

  it('gives the same report as JSON with exit 1 when a check fails', async () => {
    new FakeS3().install()
    new FakeCluster('http://source.test:9200').install()
    const outcome = await runCommand(['snapshot', 'verify', '--config-file', localServices(), '--json'], scripted)
    assert.equal(outcome.exitCode, 1)
    const {exitCode, result: report, status} = JSON.parse(outcome.stdout)
    assert.equal(status, 'failed')
    assert.equal(exitCode, 1)
    assert.equal(report.ok, false)
    assert.equal(report.steps.length, 11)
    assert.deepEqual(
      report.steps.find((step: {name: string}) => step.name === 'bucket').diagnosis.code,
      'bucket-missing',
    )
    assert.equal(outcome.stderr, '')
  })

  it('fails at once in a scripted session naming the missing flag, before any request', async () => {
    const outcome = await runCommand(['snapshot', 'verify', '--endpoint', 'http://source.test:9200'], {
      ...scripted,
      MIGRATION_SERVICES_YAML_PATH: '/nonexistent/none.yaml',
    })
    assert.equal(outcome.exitCode, 2)
    assert.match(outcome.stderr, /no such file/)
    const noFile = await runCommand(['snapshot', 'verify', '--endpoint', 'http://source.test:9200', '--json'], scripted)
    assert.equal(noFile.exitCode, 2)
    assert.match(JSON.parse(noFile.stdout).error.message, /the S3 bucket is required: pass --bucket/)
  })

  it('asks for bucket and region through the prompt seam when they are missing', async () => {
    const s3 = new FakeS3().addBucket('asked-bucket', 'eu-west-1')
    s3.install()
    new FakeCluster('http://source.test:9200', s3).install()
    const prompter = new AnsweringPrompter({'--bucket': 'asked-bucket', '--region': 'eu-west-1'})
    embedding().prompter = prompter
    const outcome = await runCommand(
      ['snapshot', 'verify', '--endpoint', 'http://source.test:9200', '--s3-endpoint', 'http://s3.test:9000'],
      scripted,
    )
    assert.deepEqual(prompter.asked, ['--bucket', '--region'])
    assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
    assert.match(outcome.stdout, /s3:\/\/asked-bucket in eu-west-1/)
  })

  it('rejects an invalid services file with exit 2, naming file and field, and sends nothing', async () => {
    const file = servicesFile(
      'snapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: bucket/path\n    aws_region: us-east-1\n',
    )
    const outcome = await runCommand(['snapshot', 'verify', '--config-file', file], scripted)
    assert.equal(outcome.exitCode, 2)
    assert.match(outcome.stderr, new RegExp(`${file}: snapshot\\.s3\\.repo_uri: must start with s3://`))
  })

  it('rejects a bad flag value naming the value and the rule', async () => {
    const outcome = await runCommand(
      [
        'snapshot',
        'verify',
        '--config-file',
        localFixture('services', 'shared-basic-auth-s3.yaml'),
        '--bucket',
        'Bad_Bucket',
      ],
      scripted,
    )
    assert.equal(outcome.exitCode, 2)
    assert.match(outcome.stderr, /--bucket "Bad_Bucket": may hold only lowercase/)
  })

  it('rejects contradicting flags with exit 2', async () => {
    const outcome = await runCommand(['snapshot', 'verify', '--bucket', 'b-1', '--fs-path', '/x'], scripted)
    assert.equal(outcome.exitCode, 2)
    assert.match(
      outcome.stderr,
      /--fs-path cannot be combined with --bucket: a repository is either on a shared filesystem or in S3/,
    )
  })

  it('removes the Ctrl-C listeners it added when the command ends', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]
    const s3 = new FakeS3().addBucket('migration-bucket')
    s3.install()
    new FakeCluster('http://source.test:9200', s3).install()
    const outcome = await runCommand(['snapshot', 'verify', '--config-file', localServices()], scripted)
    assert.equal(outcome.exitCode, 0, outcome.stderr)
    assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before)
  })

  it('prints the seed-equivalent commands with --dry-run, without secrets and without sending anything', async () => {
    const outcome = await runCommand(
      ['snapshot', 'verify', '--config-file', localFixture('services', 'shared-basic-auth-s3.yaml'), '--dry-run'],
      scripted,
    )
    assert.equal(outcome.exitCode, 0, outcome.stderr)
    assert.match(
      outcome.stdout,
      /curl -X PUT https:\/\/source\.example:9200\/_snapshot\/verify_\w+ -u 'admin:<password>'/,
    )
    assert.match(
      outcome.stdout,
      /aws s3api head-bucket --bucket migration-artifacts-123456789012-dev-us-west-2 --region us-west-2/,
    )
    assert.doesNotMatch(outcome.stdout + outcome.stderr, /myStrongPassword123!/)
    // By default the plan finds the smallest index, snapshots it with the global state and reads it back.
    assert.match(outcome.stdout, /_cat\/indices\?format=json&bytes=b.*# the smallest open index with documents/)
    assert.match(outcome.stdout, /"indices":"<that index>"/)
    assert.match(outcome.stdout, /# then read back, with these credentials/)
    const metadataOnly = await runCommand(
      [
        'snapshot',
        'verify',
        '--config-file',
        localFixture('services', 'shared-basic-auth-s3.yaml'),
        '--dry-run',
        '--metadata-only',
      ],
      scripted,
    )
    assert.match(metadataOnly.stdout, /"indices":"-\*"/)
    assert.doesNotMatch(metadataOnly.stdout, /read back/)
  })

  it('shell-quotes every value in the --dry-run commands, so pasting them runs nothing hidden in a value', async () => {
    const marker = path.join(scratch, `pwned-${Math.random().toString(36).slice(2)}`)
    const basePath = `x/$(touch ${marker})/it's`
    const outcome = await runCommand(
      [
        'snapshot',
        'verify',
        '--config-file',
        localFixture('services', 'shared-basic-auth-s3.yaml'),
        '--base-path',
        basePath,
        '--dry-run',
      ],
      scripted,
    )
    assert.equal(outcome.exitCode, 0, outcome.stderr)
    const commands = outcome.stdout
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .map((line) => line.trim())
    assert.ok(
      commands.some((line) => line.includes('$(touch')),
      'the value is printed',
    )
    // Each command is evaluated by a real shell with curl, aws, echo, ls and rm as no-ops.
    const script = `curl() { :; }; aws() { :; }; echo() { :; }; ls() { :; }; rm() { :; }\n${commands.join('\n')}\n`
    execFileSync('bash', ['-c', script])
    assert.equal(existsSync(marker), false, 'no command substitution ran')
  })

  for (const command of [
    ['snapshot', 'delete'],
    ['repo', 'clean'],
  ])
    it(`${command.join(' ')} refuses in a scripted session without --yes, before any request`, async () => {
      const cluster = new FakeCluster('http://source.test:9200')
      cluster.install()
      const outcome = await runCommand([...command, '--config-file', localServices(), '--json'], scripted)
      assert.equal(outcome.exitCode, 2)
      assert.match(JSON.parse(outcome.stdout).error.message, /pass --yes/)
      assert.deepEqual(cluster.requests, [])
    })

  it('snapshot delete with --yes deletes the migration snapshot named in the services file', async () => {
    const {cluster} = sourceAndBucket()
    cluster.install()
    await cluster.seedS3Repository(
      'migration_assistant_repo',
      {basePath: 'rfs-snapshot-repo', bucket: 'migration-bucket'},
      ['rfs-snapshot'],
    )
    const outcome = await runCommand(
      ['snapshot', 'delete', '--config-file', localServices(), '--yes', '--json'],
      scripted,
    )
    assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
    const report = JSON.parse(outcome.stdout).result
    assert.deepEqual(report.deleted, ['rfs-snapshot'])
    assert.equal(report.command, 'snapshot delete')
    assert.equal(cluster.snapshots.get('migration_assistant_repo')?.size, 0)
  })

  it('warns that TLS verification is off when allow_insecure says so, and only then', async () => {
    const insecure = await runCommand(
      ['snapshot', 'verify', '--config-file', localFixture('services', 'shared-basic-auth-s3.yaml'), '--no-prompt'],
      scripted,
    )
    assert.match(
      insecure.stderr,
      /warning: TLS certificate verification is off for https:\/\/source\.example:9200 \(allow_insecure: true\)/,
    )
    const asJson = await runCommand(
      ['snapshot', 'verify', '--config-file', localFixture('services', 'shared-basic-auth-s3.yaml'), '--json'],
      scripted,
    )
    assert.ok(
      JSON.parse(asJson.stdout).warnings.some((warning: string) => /TLS certificate verification is off/.test(warning)),
      'in the envelope under --json',
    )
    const verified = await runCommand(
      ['snapshot', 'verify', '--config-file', localFixture('services', 'shared-sigv4-s3-role.yaml'), '--no-prompt'],
      scripted,
    )
    assert.doesNotMatch(verified.stderr, /verification is off/)
  })
})
