import nock from 'nock'
import {strict as assert} from 'node:assert'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {JournalEntry} from '../../src/verify/journal.js'

import {embedding} from '../../src/base-command.js'
import {createClusterClient} from '../../src/cluster/client.js'
import {InterruptedError} from '../../src/errors.js'
import {Journal} from '../../src/journal.js'
import {Locations} from '../../src/location/open.js'
import {S3BlobStore} from '../../src/store/blobs.js'
import {createS3Client} from '../../src/store/s3.js'
import {runVerification} from '../../src/verify/run.js'
import {FAST_RETRY} from '../helpers/domain.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'
import {faultyServer} from '../helpers/faulty-server.js'
import {runCommand} from '../helpers/run-command.js'

const scratch = mkdtempSync(path.join(tmpdir(), 'safety-test-'))
const scripted = {CI: 'true', CONSOLE_DATA_DIR: path.join(scratch, 'data'), MIGRATION_SERVICES_YAML_PATH: undefined}
const file = (name: string, text: string) => {
  const target = path.join(scratch, name)
  writeFileSync(target, text)
  return target
}

const withPassword = (endpoint: string) =>
  file(
    `basic-${Math.random().toString(36).slice(2)}.yaml`,
    `source_cluster:\n  endpoint: ${endpoint}\n  basic_auth:\n    username: admin\n    password: s3cretPassw0rd\nsnapshot:\n  snapshot_name: rfs-snapshot\n  fs:\n    repo_path: /snapshots\n`,
  )

describe('safety: no wrong deletion, leaked secret or endless wait', () => {
  before(() => {
    embedding().clusterClientOptions = {retry: {baseDelayMs: 1, maxDelayMs: 2, retries: 1}}
  })

  describe('the journal', () => {
    it('keeps every entry of ten concurrent runs', async () => {
      const journal = new Journal<JournalEntry>(path.join(mkdtempSync(path.join(tmpdir(), 'journal-')), 'j.json'))
      const entry = (index: number) => ({
        clusterEndpoint: 'http://x',
        repository: `r${index}`,
        runId: `run${index}`,
        snapshot: 's',
        startedAt: '',
        storage: {kind: 'fs' as const, location: '/x'},
      })
      await Promise.all(Array.from({length: 10}, (_, index) => journal.record(entry(index))))
      assert.deepEqual(
        (await journal.entries()).map((recorded) => recorded.runId).sort(),
        Array.from({length: 10}, (_, index) => `run${index}`).sort(),
      )
    })

    it('forgetting an entry it does not hold writes nothing: no folder, no lock, no file', async () => {
      const directory = path.join(mkdtempSync(path.join(tmpdir(), 'journal-')), 'not-yet')
      const journal = new Journal<JournalEntry>(path.join(directory, 'j.json'))
      assert.equal(await journal.forget('never-recorded'), false)
      assert.equal(existsSync(directory), false)
    })

    it('is readable by its owner only (0600 in a 0700 folder)', async () => {
      const directory = path.join(mkdtempSync(path.join(tmpdir(), 'journal-')), 'data')
      const journal = new Journal<JournalEntry>(path.join(directory, 'j.json'))
      await journal.record({
        clusterEndpoint: 'http://x',
        repository: 'r',
        runId: 'a',
        snapshot: 's',
        startedAt: '',
        storage: {kind: 'fs', location: '/x'},
      })
      const permissions = (file: string) => statSync(file).mode.toString(8).slice(-3)
      assert.equal(permissions(journal.file), '600')
      assert.equal(permissions(directory), '700')
    })
  })

  describe('messages for unreadable services files', () => {
    it('names the file and the rule for a YAML alias bomb', async () => {
      const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
      for (let level = 1; level <= 9; level++)
        lines.push(
          `${String.fromCodePoint(97 + level)}: &${String.fromCodePoint(97 + level)} [${Array.from({length: 9})
            .fill(`*${String.fromCodePoint(96 + level)}`)
            .join(',')}]`,
        )
      const bomb = file('bomb.yaml', `${lines.join('\n')}\n`)
      const outcome = await runCommand(['snapshot', 'verify', '--config-file', bomb], scripted)
      assert.equal(outcome.exitCode, 2)
      assert.match(
        outcome.stderr,
        new RegExp(`${bomb.replaceAll('.', String.raw`\.`)}: cannot be read as YAML: .*alias`, 'i'),
      )
    })

    it('says "must be a string" for a number where a string belongs, and "is required" only when missing', async () => {
      const numeric = file(
        'numeric.yaml',
        'source_cluster:\n  no_auth:\nsnapshot:\n  snapshot_name: 9200\n  fs:\n    repo_path: /x\n',
      )
      const outcome = await runCommand(['snapshot', 'verify', '--config-file', numeric], scripted)
      assert.equal(outcome.exitCode, 2)
      assert.match(outcome.stderr, /snapshot\.snapshot_name: must be a string, not the number 9200/)
      assert.match(outcome.stderr, /source_cluster\.endpoint: is required/)
    })

    for (const device of ['/dev/zero', '/dev/urandom'])
      it(`refuses ${device} at once as not a regular file`, async () => {
        const started = Date.now()
        const outcome = await runCommand(['snapshot', 'verify', '--config-file', device], scripted)
        assert.equal(outcome.exitCode, 2)
        assert.match(outcome.stderr, new RegExp(`${device}: is not a regular file`))
        assert.ok(Date.now() - started < 5000, 'without reading it')
      })

    it('refuses a FIFO without waiting for a writer', async () => {
      const fifo = path.join(scratch, 'services.fifo')
      execFileSync('mkfifo', [fifo])
      const outcome = await runCommand(['snapshot', 'verify', '--config-file', fifo], scripted)
      assert.equal(outcome.exitCode, 2)
      assert.match(outcome.stderr, /is not a regular file/)
    })
  })

  describe('credentials go only where they belong', () => {
    it('refuses credentials in the services file endpoint without printing the password', async () => {
      const outcome = await runCommand(
        [
          'snapshot',
          'verify',
          '--config-file',
          withPassword('http://admin:hunter2secret@source.test:9200'),
          '--dry-run',
        ],
        scripted,
      )
      assert.equal(outcome.exitCode, 2)
      assert.match(outcome.stderr, /source_cluster\.endpoint: must not carry credentials .*basic_auth/)
      assert.doesNotMatch(outcome.stdout + outcome.stderr, /hunter2secret/)
    })

    it('refuses credentials in --endpoint without echoing them', async () => {
      const outcome = await runCommand(
        ['snapshot', 'delete', '--endpoint', 'http://admin:hunter2secret@source.test:9200', '--snapshot', 's', '--yes'],
        scripted,
      )
      assert.equal(outcome.exitCode, 2)
      assert.match(outcome.stderr, /--endpoint "http:\/\/<credentials>@source\.test:9200": must not carry credentials/)
      assert.doesNotMatch(outcome.stdout + outcome.stderr, /hunter2secret/)
    })

    it("does not send the file's password to another host given with --endpoint, unless --keep-auth", async () => {
      const seen: (string | undefined)[] = []
      nock('http://elsewhere.test:9200')
        .persist()
        .get(/.*/)
        .reply(function () {
          seen.push(this.req.headers.authorization as string | undefined)
          return [404, {error: {reason: '[r] missing', type: 'repository_missing_exception'}, status: 404}]
        })
      const services = withPassword('http://source.test:9200')
      const deleteElsewhere = (...flags: string[]) =>
        runCommand(
          ['snapshot', 'delete', '--config-file', services, '--endpoint', 'http://elsewhere.test:9200', ...flags],
          scripted,
        )
      const dropped = await deleteElsewhere('--repository', 'r', '--snapshot', 's', '--yes')
      assert.match(dropped.stderr, /are not sent there \(pass --keep-auth to send them\)/)
      assert.ok(seen.length > 0 && seen.every((header) => header === undefined), 'no Authorization header')
      seen.length = 0
      await deleteElsewhere('--keep-auth', '--repository', 'r', '--snapshot', 's', '--yes')
      assert.ok(
        seen.length > 0 && (seen as (string | undefined)[]).every((header) => header?.startsWith('Basic ')),
        'sent when asked for',
      )
    })
  })

  describe('bounded waits', () => {
    it('an S3 endpoint that never answers fails within its timeout instead of hanging', async () => {
      const server = await faultyServer(['hang'])
      try {
        const s3 = await createS3Client(
          {endpoint: server.url, region: 'us-east-1'},
          {connectionTimeoutMs: 300, maxAttempts: 1, requestTimeoutMs: 300},
        )
        const started = Date.now()
        await assert.rejects(new S3BlobStore(s3, 'bucket').read('index-0'), /GetObject failed/)
        assert.ok(Date.now() - started < 5000)
      } finally {
        await server.close()
      }
    })

    it('Ctrl-C ends a hanging S3 call at once', async () => {
      const server = await faultyServer(['hang'])
      try {
        const s3 = await createS3Client({endpoint: server.url, region: 'us-east-1'}, {maxAttempts: 1})
        const interrupt = new AbortController()
        setTimeout(() => interrupt.abort(), 100)
        const started = Date.now()
        await assert.rejects(new S3BlobStore(s3, 'bucket', interrupt.signal).read('index-0'), InterruptedError)
        assert.ok(Date.now() - started < 3000)
      } finally {
        await server.close()
      }
    })

    it('a listing that repeats its continuation token stops with an error instead of looping', async () => {
      const fake = new FakeS3().addBucket('b')
      fake.install()
      for (let index = 0; index < 5; index++) fake.put('b', `p/${index}`, 'x')
      let pages = 0
      fake.faults.push((method, bucket, key) => {
        if (method !== 'GET' || key !== '' || bucket !== 'b') return
        pages++
        return [
          200,
          '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>same</NextContinuationToken><Contents><Key>p/0</Key><Size>1</Size></Contents></ListBucketResult>',
        ]
      })
      const store = new S3BlobStore(await createS3Client({endpoint: fake.endpoint, region: 'us-east-1'}), 'b')
      const listing = async () => {
        const keys: string[] = []
        for await (const entry of store.list('p/')) keys.push(entry.key)
        return keys
      }

      await assert.rejects(listing(), /RepeatedContinuationToken/)
      assert.ok(pages <= 3, `stopped after ${pages} pages`)
    })

    it('cleanup after Ctrl-C has a budget: a cluster that never answers DELETE does not hold it, and the journal names what is left', async () => {
      const s3 = new FakeS3().addBucket('migration-bucket')
      const cluster = new FakeCluster('http://source.test:9200', s3)
      // Registered before the fake cluster, so it answers first: every DELETE hangs for 5 s, ten times the budget.
      nock('http://source.test:9200').persist().delete(/.*/).delay(5000).reply(200, {})
      cluster.install()
      s3.install()
      const journal = new Journal<JournalEntry>(
        path.join(mkdtempSync(path.join(tmpdir(), 'journal-')), 'verify-journal.json'),
      )
      const interrupt = new AbortController()
      const storage = {
        basePath: 'rfs',
        bucket: 'migration-bucket',
        endpoint: s3.endpoint,
        kind: 's3' as const,
        region: 'us-east-1',
      }
      const started = Date.now()
      const runPromise = runVerification(
        {
          createBucket: false,
          keep: false,
          repository: 'verify_budget',
          runId: 'budget',
          snapshot: 'verify_snapshot_budget',
          storage,
        },
        {
          cleanupBudgetMs: 500,
          cluster: createClusterClient(
            {allowInsecure: false, auth: {kind: 'none'}, endpoint: cluster.endpoint},
            {retry: FAST_RETRY},
          ),
          journal,
          locations: new Locations(() => createS3Client(storage)),
          signal: interrupt.signal,
        },
        {onStepStart: (step) => step.name === 'in-bucket' && interrupt.abort()},
      )
      const report = await runPromise
      assert.equal(report.exitCode, 130)
      assert.ok(Date.now() - started < 4000, `cleanup took ${Date.now() - started} ms`)
      assert.ok(
        report.leftovers.some((leftover) =>
          /snapshot verify_snapshot_budget: not finished within the cleanup budget/.test(leftover),
        ),
        report.leftovers.join('; '),
      )
      assert.equal((await journal.entries())[0]?.repository, 'verify_budget')
    })
  })

  it('DEBUG=console:* prints one line per request (method, path, status, time) and no secret', async () => {
    const s3 = new FakeS3()
    new FakeCluster('http://source.test:9200', s3).install()
    s3.install()
    const outcome = await runCommand(
      [
        'snapshot',
        'delete',
        '--config-file',
        withPassword('http://source.test:9200'),
        '--repository',
        'r',
        '--snapshot',
        's',
        '--yes',
      ],
      {...scripted, DEBUG: 'console:*'},
    )
    assert.match(outcome.stderr, /^console:cluster GET \/_snapshot\/r 404 \d+ms$/m)
    assert.doesNotMatch(outcome.stderr, /s3cretPassw0rd|Basic [A-Za-z0-9+/=]{8,}/)
  })
})
