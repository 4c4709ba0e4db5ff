import nock from 'nock'
import {strict as assert} from 'node:assert'
import {spawn, spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer as createHttpServer} from 'node:http'
import {createServer, type Server} from 'node:https'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {embedding} from '../../src/base-command.js'
import {readKubernetesSecret} from '../../src/cluster/kubernetes.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'
import {repoRoot} from '../helpers/paths.js'
import {runCommand} from '../helpers/run-command.js'
import {selfSignedCertificate} from '../helpers/tls.js'

const scratch = mkdtempSync(path.join(tmpdir(), 'console-compat-'))
const scripted = {CI: 'true', CONSOLE_DATA_DIR: path.join(scratch, 'data'), MIGRATION_SERVICES_YAML_PATH: undefined}
const write = (name: string, text: string) => {
  const file = path.join(scratch, name)
  writeFileSync(file, text)
  return file
}

describe("living with the console's files and its own CLI", () => {
  before(() => {
    embedding().clusterClientOptions = {retry: {baseDelayMs: 1, maxDelayMs: 2, retries: 1}}
  })

  describe('basic_auth.k8s_secret_name', () => {
    let server: Server | undefined
    let serviceAccount: string
    let port = 0
    const requests: {authorization?: string; path?: string}[] = []

    before(async function () {
      const certificate = selfSignedCertificate()
      if (!certificate) {
        console.log('      skipped: openssl is not available to make the stand-in API server certificate')
        this.skip()
      }

      // A stand-in for the Kubernetes API: one secret in namespace "ma", base64 as the API returns it.
      server = createServer({cert: certificate!.cert, key: certificate!.key}, (incoming, answer) => {
        requests.push({authorization: incoming.headers.authorization, path: incoming.url})
        answer.setHeader('content-type', 'application/json')
        if (incoming.url === '/api/v1/namespaces/ma/secrets/source-creds') {
          answer.end(
            JSON.stringify({
              data: {
                password: Buffer.from('k8s-pass').toString('base64'),
                username: Buffer.from('k8s-user').toString('base64'),
              },
              kind: 'Secret',
            }),
          )
        } else {
          answer.statusCode = 404
          answer.end(JSON.stringify({code: 404, kind: 'Status'}))
        }
      })
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
      port = (server.address() as {port: number}).port
      serviceAccount = path.join(mkdtempSync(path.join(tmpdir(), 'k8s-')), 'serviceaccount')
      mkdirSync(serviceAccount)
      writeFileSync(path.join(serviceAccount, 'token'), 'pod-token\n')
      writeFileSync(path.join(serviceAccount, 'ca.crt'), certificate!.cert)
    })
    // The stand-in is a real TLS peer on loopback; every test lets only that through (the suite's afterEach closes it again).
    beforeEach(() => nock.enableNetConnect('127.0.0.1'))

    after(() => {
      server?.close()
      nock.disableNetConnect()
    })

    const env = () => ({KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port)})

    it('reads username and password the way a pod does: its token, TLS verified with its CA, namespace ma by default', async () => {
      const secret = await readKubernetesSecret('source-creds', {env: env(), serviceAccountDir: serviceAccount})
      assert.deepEqual(secret, {password: 'k8s-pass', username: 'k8s-user'})
      assert.deepEqual(requests.at(-1), {
        authorization: 'Bearer pod-token',
        path: '/api/v1/namespaces/ma/secrets/source-creds',
      })
    })

    it('refuses a server whose certificate the pod’s CA does not sign', async () => {
      const otherCa = path.join(scratch, 'other-sa')
      mkdirSync(otherCa, {recursive: true})
      writeFileSync(path.join(otherCa, 'token'), 'pod-token')
      writeFileSync(path.join(otherCa, 'ca.crt'), selfSignedCertificate('/CN=other')!.cert)
      await assert.rejects(
        readKubernetesSecret('source-creds', {env: env(), serviceAccountDir: otherCa}),
        /certificate|self.signed/i,
      )
    })

    it('names a missing secret', async () => {
      await assert.rejects(
        readKubernetesSecret('nope', {env: env(), serviceAccountDir: serviceAccount}),
        /k8s_secret_name \(nope\): no such secret in namespace ma/,
      )
    })

    it('says clearly when it runs outside a pod', async () => {
      await assert.rejects(
        readKubernetesSecret('source-creds', {env: {}, serviceAccountDir: path.join(scratch, 'none')}),
        /needs the pod's service account .*not a pod/,
      )
    })

    it('sends the secret as basic auth to the cluster', async () => {
      const seen: string[] = []
      nock('http://source.test:9200')
        .get(/.*/)
        .reply(function () {
          seen.push(String(this.req.headers.authorization))
          return [404, {error: {reason: '[r] missing', type: 'repository_missing_exception'}, status: 404}]
        })
      const services = write(
        'k8s.yaml',
        'source_cluster:\n  endpoint: http://source.test:9200\n  basic_auth:\n    k8s_secret_name: source-creds\nsnapshot:\n  snapshot_name: s\n  snapshot_repo_name: repoA\n  s3:\n    repo_uri: s3://b-1/x\n    aws_region: us-east-1\n    role: ""\n',
      )
      await runCommand(['snapshot', 'delete', '--config-file', services, '--yes'], {
        ...scripted,
        ...env(),
        CONSOLE_K8S_SERVICE_ACCOUNT_DIR: serviceAccount,
      })
      assert.equal(seen[0], `Basic ${Buffer.from('k8s-user:k8s-pass').toString('base64')}`)
    })
  })

  for (const command of [
    ['snapshot', 'verify', '--dry-run'],
    ['snapshot', 'delete', '--dry-run'],
    ['repo', 'clean', '--dry-run'],
  ])
    it(`${command.slice(0, 2).join(' ')} runs with a file holding fields it does not know, warning once`, async () => {
      const s3 = new FakeS3().addBucket('migration-bucket')
      const cluster = new FakeCluster('http://source.test:9200', s3)
      cluster.install()
      s3.install()
      await cluster.seedS3Repository('migration_assistant_repo', {basePath: 'x', bucket: 'migration-bucket'})
      const services = write(
        `unknown-${command[1]}.yaml`,
        'source_cluster:\n  endpoint: http://source.test:9200\n  no_auth: ""\n  mtls_auth:\n    ca: x\nsnapshot:\n  snapshot_name: s\n  otel_metrics_endpoint: http://localhost:4317\n  future_field: 1\n  s3:\n    repo_uri: s3://migration-bucket/x\n    aws_region: us-east-1\n    endpoint: http://s3.test:9000\nnew_section:\n  a: 1\n',
      )
      const outcome = await runCommand(
        [
          ...command,
          ...(command[0] === 'repo' ? ['--repository', 'migration_assistant_repo'] : []),
          '--config-file',
          services,
        ],
        scripted,
      )
      assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
      const warnings = outcome.stderr.split('\n').filter((line) => line.includes('fields this plugin does not know'))
      assert.equal(warnings.length, 1)
      assert.match(warnings[0], /source_cluster\.mtls_auth, snapshot\.future_field, new_section/)
    })

  it('takes --acknowledge-risk, as the console spells it, for --yes', async () => {
    const s3 = new FakeS3().addBucket('migration-bucket')
    const cluster = new FakeCluster('http://source.test:9200', s3)
    cluster.install()
    s3.install()
    await cluster.seedS3Repository('migration_assistant_repo', {basePath: 'x', bucket: 'migration-bucket'}, ['s'])
    const services = write(
      'ack.yaml',
      'source_cluster:\n  endpoint: http://source.test:9200\n  no_auth:\nsnapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: s3://migration-bucket/x\n    aws_region: us-east-1\n    endpoint: http://s3.test:9000\n',
    )
    const outcome = await runCommand(['snapshot', 'delete', '--config-file', services, '--acknowledge-risk'], scripted)
    assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
    assert.equal(cluster.snapshots.get('migration_assistant_repo')?.has('s'), false)
  })

  describe('through bin/run.js, as a user types it', () => {
    const standIn = path.join(scratch, 'python-console', 'console')
    const recorded = path.join(scratch, 'recorded-args')

    before(() => {
      mkdirSync(path.dirname(standIn), {recursive: true})
      // A stand-in for the console's own (Python) CLI: records its arguments and stdin, answers on both streams.
      writeFileSync(
        standIn,
        `#!/usr/bin/env bash\nif [ "$1" = --version ]; then echo 'Migration Assistant 2.5.0-stand-in'; exit 0; fi\nprintf '%s\\n' "$@" > '${recorded}'\ncat >> '${recorded}'\necho "out from the console CLI"\necho "err from the console CLI" >&2\nexit 3\n`,
      )
      chmodSync(standIn, 0o755)
    })
    const cli = (args: string[], options: {env?: Record<string, string>; input?: string; path?: string} = {}) =>
      spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], {
        encoding: 'utf8',
        env: {
          ...process.env,
          CI: 'true',
          CONSOLE_DATA_DIR: path.join(scratch, 'data'),
          MIGRATION_SERVICES_YAML_PATH: '',
          PATH: `${options.path ?? path.dirname(standIn)}:/usr/bin:/bin`,
          ...options.env,
        },
        input: options.input ?? '',
      })

    it("hands a command it does not define to the console's own CLI, with arguments, stdin, output and exit code", () => {
      const outcome = cli(['backfill', 'start', '--pipeline-name', 'x y'], {input: 'typed input\n'})
      assert.equal(outcome.status, 3)
      assert.equal(outcome.stdout, 'out from the console CLI\n')
      assert.equal(outcome.stderr, 'err from the console CLI\n')
      assert.equal(readFileSync(recorded, 'utf8'), 'backfill\nstart\n--pipeline-name\nx y\ntyped input\n')
    })

    it('hands on snapshot commands this plugin does not define (snapshot create) and keeps a leading --config-file for it', () => {
      const outcome = cli(['--config-file=/config/x.yaml', 'snapshot', 'create', '--wait'])
      assert.equal(outcome.status, 3)
      assert.equal(readFileSync(recorded, 'utf8'), '--config-file=/config/x.yaml\nsnapshot\ncreate\n--wait\n')
    })

    it('takes CONSOLE_FALLBACK_CLI over PATH, and says so when there is no console CLI at all', () => {
      const named = cli(['clusters', 'connection-check'], {env: {CONSOLE_FALLBACK_CLI: standIn}, path: '/nonexistent'})
      assert.equal(named.status, 3)
      const none = cli(['clusters', 'connection-check'], {path: '/nonexistent'})
      assert.equal(none.status, 127)
      assert.match(
        none.stderr.replaceAll(/\s*›\s*/g, ' '),
        /"clusters connection-check" is not a command of this plugin, and no other console CLI was found on PATH/,
      )
    })

    describe("the console's global options, before or after the command", () => {
      // A real cluster stand-in on loopback (the CLI runs in another process): every repository is gone.
      const seen: string[] = []
      const cluster = createHttpServer((request, answer) => {
        seen.push(`${request.method} ${request.url}`)
        answer.statusCode = 404
        answer.setHeader('content-type', 'application/json')
        answer.end(JSON.stringify({error: {reason: 'missing', type: 'repository_missing_exception'}, status: 404}))
      })
      let services = ''

      before(async () => {
        await new Promise<void>((resolve) => cluster.listen(0, '127.0.0.1', resolve))
        services = write(
          'gone.yaml',
          `source_cluster:\n  endpoint: http://127.0.0.1:${(cluster.address() as {port: number}).port}\n  no_auth:\nsnapshot:\n  snapshot_name: rfs-snapshot\n  fs:\n    repo_path: /snapshots\n`,
        )
      })

      after(() => cluster.close())

      /** bin/run.js in its own process, without blocking this one (the stand-in answers from here). */
      const run = (args: string[], withFallback: boolean) =>
        new Promise<{status: null | number; stderr: string; stdout: string}>((resolve) => {
          const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], {
            env: {
              ...process.env,
              CI: 'true',
              CONSOLE_DATA_DIR: path.join(scratch, 'data'),
              DEBUG: '',
              MIGRATION_SERVICES_YAML_PATH: '',
              PATH: `${withFallback ? `${path.dirname(standIn)}:` : ''}/usr/bin:/bin`,
            },
          })
          let stdout = ''
          let stderr = ''
          child.stdout.on('data', (chunk) => (stdout += chunk))
          child.stderr.on('data', (chunk) => (stderr += chunk))
          child.stdin.end()
          child.on('close', (status) => resolve({status, stderr, stdout}))
        })

      const FORMS: [string, (file: string) => string[], {json?: boolean; refused?: boolean; requestLog?: boolean}][] = [
        // Without consent the plugin's own rule holds: a scripted delete needs --yes, and nothing is sent.
        [
          '--json before, no consent',
          (file) => ['--json', 'snapshot', 'delete', '--config-file', file],
          {json: true, refused: true},
        ],
        [
          '--json before',
          (file) => ['--json', 'snapshot', 'delete', '--acknowledge-risk', '--config-file', file],
          {json: true},
        ],
        ['--json after', (file) => ['snapshot', 'delete', '--yes', '--json', '--config-file', file], {json: true}],
        [
          '-v before',
          (file) => ['-v', 'snapshot', 'delete', '--acknowledge-risk', '--config-file', file],
          {requestLog: true},
        ],
        [
          '-v after',
          (file) => ['snapshot', 'delete', '--acknowledge-risk', '-v', '--config-file', file],
          {requestLog: true},
        ],
        ['-vv before', (file) => ['-vv', '--config-file', file, 'snapshot', 'delete', '--yes'], {requestLog: true}],
        ['-vv after', (file) => ['snapshot', 'delete', '--yes', '-vv', `--config-file=${file}`], {requestLog: true}],
        [
          '--verbose before',
          (file) => ['--verbose', `--config-file=${file}`, 'snapshot', 'delete', '--yes'],
          {requestLog: true},
        ],
        [
          '--force-use-config-file before, with every other one',
          (file) => ['--force-use-config-file', '--json', '-v', '--config-file', file, 'snapshot', 'delete', '--yes'],
          {json: true, requestLog: true},
        ],
        [
          '--force-use-config-file after',
          (file) => ['snapshot', 'delete', '--yes', '--force-use-config-file', '--config-file', file],
          {},
        ],
      ]

      for (const withFallback of [true, false])
        for (const [what, argv, expect] of FORMS)
          it(`${what} (${withFallback ? "the console's CLI on PATH" : 'no console CLI'}): this plugin's delete runs, ${expect.refused ? 'refuses, exit 2, sends nothing' : 'ends 0, already gone'}`, async () => {
            writeFileSync(recorded, 'untouched')
            seen.length = 0
            const outcome = await run(argv(services), withFallback)
            assert.equal(outcome.status, expect.refused ? 2 : 0, outcome.stdout + outcome.stderr)
            assert.equal(readFileSync(recorded, 'utf8'), 'untouched', "the console's own CLI was not called")
            if (expect.refused) {
              assert.match(JSON.parse(outcome.stdout).error.message, /refusing to delete without confirmation/)
              assert.deepEqual(seen, [])
              return
            }

            if (expect.json) assert.deepEqual(JSON.parse(outcome.stdout).result.alreadyGone, ['rfs-snapshot'])
            else assert.match(outcome.stdout, /already gone: rfs-snapshot/)
            const requestLog = /console:cluster GET \/_snapshot\/migration_assistant_repo 404 \d+ms/
            if (expect.requestLog) assert.match(outcome.stderr, requestLog)
            else assert.doesNotMatch(outcome.stderr, requestLog)
          })

      it("hands a command it does not define to the console's CLI with the global options where they were typed", async () => {
        const outcome = await run(['-v', '--json', 'backfill', 'status', '--deep-check'], true)
        assert.equal(outcome.status, 3)
        assert.equal(readFileSync(recorded, 'utf8'), '-v\n--json\nbackfill\nstatus\n--deep-check\n')
      })
    })

    describe("help and version beside the console's CLI", () => {
      const HANDED = /HANDED TO THE CONSOLE'S OWN CLI \(.*python-console\/console, as typed\)/

      it("`console --help` lists the console's topics as handed to its CLI, only when that CLI is there", () => {
        const withCli = cli(['--help'])
        assert.equal(withCli.status, 0, withCli.stderr)
        assert.match(withCli.stdout, HANDED)
        for (const topic of ['backfill', 'clusters', 'kafka', 'metadata', 'replay', 'failed-document-stream'])
          assert.match(withCli.stdout, new RegExp(`^  ${topic} `, 'm'), topic)
        assert.match(withCli.stdout, /^ {2}snapshot {2,}the migration snapshot: create, status,\s+unregister-repo/m)
        const without = cli(['--help'], {path: '/nonexistent'})
        assert.equal(without.status, 0)
        assert.doesNotMatch(without.stdout, /HANDED TO|backfill/)
      })

      it("`console snapshot --help` lists the console's snapshot create, status and unregister-repo beside this plugin's delete and verify", () => {
        const withCli = cli(['snapshot', '--help'])
        assert.equal(withCli.status, 0, withCli.stderr)
        const handed = withCli.stdout.slice(withCli.stdout.search(HANDED))
        for (const command of ['create', 'status', 'unregister-repo'])
          assert.match(handed, new RegExp(`^  snapshot ${command} `, 'm'), command)
        assert.doesNotMatch(handed, /snapshot (delete|verify)/, "this plugin's own are not handed on")
        assert.match(withCli.stdout, /^ {2}snapshot delete {2}/m)
        assert.doesNotMatch(cli(['snapshot', '--help'], {path: '/nonexistent'}).stdout, /HANDED TO/)
      })

      it("hides the console's legacy topics when the console does (MIGRATIONS_CLI_CONSOLE_DISABLE_LEGACY_COMMANDS)", () => {
        const outcome = cli(['--help'], {env: {MIGRATIONS_CLI_CONSOLE_DISABLE_LEGACY_COMMANDS: 'true'}})
        const handed = outcome.stdout.slice(outcome.stdout.search(HANDED))
        assert.match(handed, /^ {2}clusters /m)
        assert.doesNotMatch(handed, /^ {2}(backfill|replay|snapshot) /m)
      })

      it("`console --version` shows this plugin's version and, through its CLI, the console's", () => {
        const {version} = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'))
        const withCli = cli(['--version'])
        assert.equal(withCli.status, 0)
        const lines = withCli.stdout.trimEnd().split('\n')
        assert.match(
          lines[0],
          new RegExp(`^@migration-console/plugin-snapshot/${version.replaceAll('.', String.raw`\.`)} `),
        )
        assert.match(lines[1], /^migration console Migration Assistant 2\.5\.0-stand-in \(.*python-console\/console\)$/)
        const without = cli(['--version'], {path: '/nonexistent'})
        assert.equal(without.stdout.trimEnd().split('\n').length, 1)
      })
    })

    for (const form of [['--config-file', 'FILE'], ['--config-file=FILE']])
      it(`reads the services file given before the command (${form.join(' ').replace('FILE', '/x.yaml')})`, () => {
        const services = write(
          'first.yaml',
          'source_cluster:\n  endpoint: http://127.0.0.1:9\n  no_auth:\nsnapshot:\n  snapshot_name: first-form\n  fs:\n    repo_path: /snapshots\n',
        )
        const outcome = cli([...form.map((part) => part.replace('FILE', services)), 'snapshot', 'verify', '--dry-run'])
        assert.equal(outcome.status, 0, outcome.stderr)
        assert.match(outcome.stdout, /curl -X GET http:\/\/127\.0\.0\.1:9\//)
      })
  })
})
