import {strict as assert} from 'node:assert'
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, readdirSync} from 'node:fs'
import path from 'node:path'

import {onStore, removeRepositories, s3ServicesFile, verifyArgs} from '../helpers/e2e-setup.js'
import {
  clusterCaller,
  clusterGet,
  console_ as consoleOn,
  createBucket as createBucketOn,
  emptyAndDeleteBucket as emptyAndDeleteBucketOn,
  engines,
  keysUnder as keysUnderOn,
  moto,
  scratch,
  type Store,
  stores,
  uniqueSuffix,
} from '../helpers/e2e.js'
import {repoRoot} from '../helpers/paths.js'

const local = engines()

const s3Services = (bucket: string, basePath = 'rfs-snapshot-repo', store: Store = moto()): string =>
  s3ServicesFile(`${bucket}.yaml`, {basePath, bucket, endpoint: store.endpoint})

/** The engines are shared: only registrations whose settings match (this run's bucket or path) are this run's. */
async function repositoriesWhere(
  url: string,
  matches: (settings: Record<string, string>) => boolean,
): Promise<string[]> {
  const registrations = (await clusterGet(`${url}/_snapshot`)) as Record<string, {settings?: Record<string, string>}>
  return Object.entries(registrations)
    .filter(([, body]) => matches(body.settings ?? {}))
    .map(([name]) => name)
}

async function registeredRepositories(url: string): Promise<string[]> {
  return Object.keys(await clusterGet(`${url}/_snapshot`))
}

const step = (report: {steps: {name: string}[]}, name: string): any =>
  report.steps.find((candidate) => candidate.name === name)

describe('snapshot verify against real engines', () => {
  before(async () => {
    const opensearch = await clusterGet(local.opensearch)
    console.log(`      engine: OpenSearch ${opensearch.version.number} at ${local.opensearch}`)
    if (local.elasticsearch) {
      const elasticsearch = await clusterGet(local.elasticsearch)
      console.log(`      engine: Elasticsearch ${elasticsearch.version.number} at ${local.elasticsearch}`)
    } else console.log('      engine: Elasticsearch not running here; its tests report why below')
  })

  for (const store of stores())
    describe(`on ${store.name}`, () => {
      const suffix = uniqueSuffix()
      const dataIndex = `e2e-data-${suffix}`
      const {bucketExists, console_, createBucket, emptyAndDeleteBucket, keysUnder} = onStore(store)
      /** verify --keep --metadata-only into `repository` in the bucket: what it leaves is the test's to look at. */
      const keptRun = (bucket: string, repository: string) =>
        console_(
          verifyArgs(
            s3Services(bucket, undefined, store),
            '--keep',
            '--metadata-only',
            '--repository',
            repository,
            '--json',
          ),
        )

      it('passes all eleven steps on OpenSearch + S3 with a test index (shard_path_type FIXED, where the backfill reads), reads its shard files back, and removes the bucket and index it created', async () => {
        const bucket = `e2e-created-${suffix}`
        const outcome = await console_(
          verifyArgs(
            s3Services(bucket, undefined, store),
            '--create-bucket',
            '--create-test-index',
            '--shard-path-type',
            'FIXED',
            '--json',
          ),
        )
        const report = JSON.parse(outcome.stdout).result
        assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
        assert.deepEqual(
          report.steps.map((step: {status: string}) => step.status),
          Array.from({length: 11}).fill('passed'),
        )
        assert.match(
          step(report, 'read-back').detail,
          /lengths and Lucene checksums match.*backfill \(SnapshotReader_ES_9_0, S3\) finds all/,
        )
        assert.equal(
          (await fetch(`${local.opensearch}/${report.dataIndex.name}`)).status,
          404,
          'the test index is gone',
        )
        assert.match(
          step(report, 'in-bucket').detail,
          /index-\d+ lists it as success; snap-.+\.dat, meta-.+\.dat present/,
        )
        assert.equal(await bucketExists(bucket), false, 'the bucket verify created is gone')
        assert.deepEqual(await repositoriesWhere(local.opensearch, (settings) => settings.bucket === bucket), [])
      })

      it('leaves the snapshot files in the store with --keep, and removes every one of them otherwise', async () => {
        const bucket = `e2e-existing-${suffix}`
        await createBucket(bucket)
        try {
          const kept = await keptRun(bucket, `verify_e2e_kept_${suffix}`)
          assert.equal(kept.exitCode, 0, kept.stdout + kept.stderr)
          const keys = await keysUnder(bucket, `rfs-snapshot-repo/verify_e2e_kept_${suffix}/`)
          assert.ok(
            keys.some((key) => /\/index-\d+$/.test(key)),
            keys.join(', '),
          )
          assert.ok(
            keys.some((key) => /\/snap-.+\.dat$/.test(key)),
            keys.join(', '),
          )
          assert.ok(
            keys.some((key) => /\/meta-.+\.dat$/.test(key)),
            keys.join(', '),
          )
          assert.ok((await registeredRepositories(local.opensearch)).includes(`verify_e2e_kept_${suffix}`))
          // Tidy up the kept run through the cluster, as a user would.
          await removeRepositories(clusterCaller(local.opensearch), [`verify_e2e_kept_${suffix}`])

          const cleaned = await console_(
            verifyArgs(
              s3Services(bucket, undefined, store),
              '--metadata-only',
              '--repository',
              `verify_e2e_cleaned_${suffix}`,
            ),
          )
          assert.equal(cleaned.exitCode, 0, cleaned.stdout + cleaned.stderr)
          assert.match(cleaned.stdout, /PASSED: 9 passed/)
          assert.deepEqual(
            await keysUnder(bucket, `rfs-snapshot-repo/verify_e2e_cleaned_${suffix}/`),
            [],
            'nothing left under the test prefix',
          )
          assert.equal(await bucketExists(bucket), true, 'a bucket verify did not create is kept')
        } finally {
          await emptyAndDeleteBucket(bucket)
        }
      })

      it('takes a metadata-only snapshot: no index is copied, although the cluster holds some', async () => {
        await fetch(`${local.opensearch}/${dataIndex}/_doc/1?refresh=true`, {
          body: '{"a":1}',
          headers: {'content-type': 'application/json'},
          method: 'PUT',
        })
        const bucket = `e2e-metadata-only-${suffix}`
        await createBucket(bucket)
        try {
          const outcome = await keptRun(bucket, `verify_e2e_metadata_${suffix}`)
          assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
          const {snapshot} = JSON.parse(outcome.stdout).result
          const info = await clusterGet(`${local.opensearch}/_snapshot/verify_e2e_metadata_${suffix}/${snapshot}`)
          assert.deepEqual(info.snapshots[0].indices, [])
          assert.deepEqual(
            (await keysUnder(bucket)).filter((key) => key.includes('/indices/')),
            [],
          )
          await removeRepositories(clusterCaller(local.opensearch), [`verify_e2e_metadata_${suffix}`])
        } finally {
          await fetch(`${local.opensearch}/${dataIndex}`, {method: 'DELETE'})
          await emptyAndDeleteBucket(bucket)
        }
      })

      it('cleans up after a real Ctrl-C (SIGINT) in the middle of the run and exits 130', async () => {
        const bucket = `e2e-interrupted-${suffix}`
        await createBucket(bucket)
        try {
          const child = spawn(
            process.execPath,
            [
              path.join(repoRoot, 'bin', 'run.js'),
              'snapshot',
              'verify',
              '--config-file',
              s3Services(bucket, undefined, store),
            ],
            {
              env: {
                ...process.env,
                AWS_ACCESS_KEY_ID: store.accessKey,
                AWS_SECRET_ACCESS_KEY: store.secretKey,
                CI: 'true',
                CONSOLE_DATA_DIR: path.join(scratch, `sigint-data-${suffix}`),
              },
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          )
          let stdout = ''
          let interrupted = false
          child.stdout.on('data', (chunk) => {
            stdout += chunk
            if (!interrupted && /✔ 4\./.test(stdout)) {
              interrupted = true
              child.kill('SIGINT')
            }
          })
          const exitCode = await new Promise<null | number>((resolve) => child.on('close', resolve))
          assert.equal(exitCode, 130, stdout)
          assert.match(stdout, /INTERRUPTED/)
          assert.deepEqual(await repositoriesWhere(local.opensearch, (settings) => settings.bucket === bucket), [])
          assert.deepEqual(await keysUnder(bucket), [], 'nothing left in the bucket')
        } finally {
          await emptyAndDeleteBucket(bucket)
        }
      })

      it('fails at step 3 with the create command when the bucket is missing, and leaves nothing', async () => {
        const missing = `e2e-no-such-bucket-${suffix}`
        const outcome = await console_(verifyArgs(s3Services(missing, undefined, store), '--json'))
        assert.equal(outcome.exitCode, 1)
        const report = JSON.parse(outcome.stdout).result
        assert.equal(step(report, 'bucket').status, 'failed')
        assert.equal(step(report, 'bucket').diagnosis.code, 'bucket-missing')
        assert.equal(await bucketExists(missing), false)
      })
    })

  describe('Elasticsearch 7.10', () => {
    before(function () {
      if (!local.elasticsearch) {
        console.log(
          '      skipped: ELASTICSEARCH_URL is unset because scripts/engines could not start Elasticsearch 7.10.2 here (see its log)',
        )
        this.skip()
      }
    })

    it('verifies an fs repository under path.repo', async () => {
      const outcome = await consoleOn(
        verifyArgs(local.elasticsearch!, '--fs-path', path.join(local.fsRepo, 'e2e'), '--create-test-index', '--json'),
      )
      assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
      const report = JSON.parse(outcome.stdout).result
      assert.deepEqual(
        report.steps.map((step: {name: string; status: string}) => `${step.name}:${step.status}`),
        [
          'cluster:passed',
          'plugin:skipped',
          'bucket:skipped',
          'fresh:passed',
          'access:skipped',
          'index:passed',
          'repository:passed',
          'snapshot:passed',
          'in-bucket:passed',
          'read-back:passed',
          'cleanup:passed',
        ],
      )
      assert.match(step(report, 'cluster').detail, /Elasticsearch 7\.10\.2/)
      assert.equal(
        existsSync(path.join(local.fsRepo, 'e2e', report.repository.name)),
        false,
        'the test repository files are gone',
      )
    })

    it('diagnoses a location outside path.repo at registration, and still cleans up', async () => {
      const outcome = await consoleOn(verifyArgs(local.elasticsearch!, '--fs-path', '/not/in/path/repo', '--json'))
      assert.equal(outcome.exitCode, 1)
      const report = JSON.parse(outcome.stdout).result
      assert.equal(step(report, 'repository').status, 'failed')
      assert.equal(step(report, 'repository').diagnosis.code, 'path-repo-not-set')
      assert.match(step(report, 'repository').diagnosis.remediation, /path\.repo/)
      assert.equal(step(report, 'cleanup').status, 'passed')
      assert.deepEqual(
        await repositoriesWhere(local.elasticsearch!, (settings) =>
          String(settings.location ?? '').startsWith('/not/in/path/repo'),
        ),
        [],
      )
    })

    it('fails at step 2 naming the node without repository-s3 when asked for S3', async () => {
      const bucket = `e2e-es-bucket-${uniqueSuffix()}`
      await createBucketOn(bucket)
      try {
        const outcome = await consoleOn(verifyArgs(local.elasticsearch!, '--config-file', s3Services(bucket)))
        assert.equal(outcome.exitCode, 1)
        assert.match(
          outcome.stdout,
          /✘ 2\. repository-s3 on every node .*missing on 1 of 1 node\(s\): elasticsearch-node-1/,
        )
        assert.match(outcome.stdout, /plugin install repository-s3/)
        assert.deepEqual(await keysUnderOn(bucket), [], 'nothing was written to the bucket')
      } finally {
        await emptyAndDeleteBucketOn(bucket)
      }
    })
  })

  it('asks for bucket and region on a real terminal (tmux) when the services file lacks them', async () => {
    const bucket = `e2e-prompted-${uniqueSuffix()}`
    await createBucketOn(bucket)
    const session = `console-e2e-${process.pid}`
    const tmux = (...args: string[]) => execFileSync('tmux', args, {encoding: 'utf8'})
    const screen = () => tmux('capture-pane', '-p', '-t', session)
    const waitFor = async (pattern: RegExp, what: string) => {
      for (let tries = 0; tries < 100; tries++) {
        if (pattern.test(screen())) return
        await new Promise((resolve) => setTimeout(resolve, 100))
      }

      assert.fail(`the terminal never showed ${what}:\n${screen()}`)
    }

    const command = [
      `env -u CI AWS_ACCESS_KEY_ID=${local.accessKey} AWS_SECRET_ACCESS_KEY=${local.secretKey} CONSOLE_DATA_DIR=${path.join(scratch, 'tty-data')}`,
      `MIGRATION_SERVICES_YAML_PATH= ${process.execPath} ${path.join(repoRoot, 'bin', 'run.js')} snapshot verify`,
      `--endpoint ${local.opensearch} --s3-endpoint ${local.s3Endpoint} --create-test-index --shard-path-type FIXED; echo "exit=$?"; sleep 30`,
    ].join(' ')
    tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', command)
    try {
      await waitFor(/S3 bucket for the test snapshot/, 'the bucket prompt')
      tmux('send-keys', '-t', session, 'Not_A_Bucket', 'Enter')
      await waitFor(/may hold only lowercase/, 'the bucket naming rule')
      tmux('send-keys', '-t', session, 'C-u')
      tmux('send-keys', '-t', session, bucket, 'Enter')
      await waitFor(/The bucket's AWS region/, 'the region prompt')
      tmux('send-keys', '-t', session, 'C-u')
      tmux('send-keys', '-t', session, local.region, 'Enter')
      await waitFor(/exit=\d+/, 'the end of the run')
      const finalScreen = screen()
      assert.match(finalScreen, /PASSED: 11 passed/, finalScreen)
      assert.match(finalScreen, /exit=0/)
    } finally {
      try {
        tmux('kill-session', '-t', session)
      } catch {
        // already ended
      }

      await emptyAndDeleteBucketOn(bucket)
    }
  })

  after(() => {
    assert.deepEqual(
      readdirSync(path.join(scratch)).filter((name) => name.endsWith('.tmp')),
      [],
    )
  })
})
