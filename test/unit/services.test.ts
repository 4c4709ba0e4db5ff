import {strict as assert} from 'node:assert'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import servicesHook from '../../src/hooks/init/services.js'
import {loadServicesFile, parseServices, ServicesFileError} from '../../src/services/load.js'
import {configFileFromArgv, readServicesOnce} from '../../src/services/shared.js'
import {localFixture} from '../helpers/paths.js'

const scratch = mkdtempSync(path.join(tmpdir(), 'services-test-'))
function servicesFile(name: string, text: string): string {
  const file = path.join(scratch, name)
  writeFileSync(file, text)
  return file
}

async function rejection(promise: Promise<unknown>): Promise<ServicesFileError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof ServicesFileError, `expected a ServicesFileError, got ${error}`)
    return error
  }

  assert.fail('expected the services file to be rejected')
}

describe('services file', () => {
  it('reads the basic_auth + s3 sample, splitting repo_uri into bucket and base path', async () => {
    const services = await loadServicesFile(localFixture('services', 'shared-basic-auth-s3.yaml'))
    assert.deepEqual(services?.sourceCluster, {
      allowInsecure: true,
      auth: {kind: 'basic', password: 'myStrongPassword123!', username: 'admin'},
      endpoint: 'https://source.example:9200',
      sigv4SigningEndpoint: undefined,
      version: 'ES_7.10',
    })
    assert.deepEqual(services?.snapshot, {
      mode: undefined,
      repositoryName: 'migration_assistant_repo',
      snapshotName: 'rfs-snapshot',
      solrCollections: undefined,
      storage: {
        basePath: 'rfs-snapshot-repo',
        bucket: 'migration-artifacts-123456789012-dev-us-west-2',
        endpoint: undefined,
        kind: 's3',
        region: 'us-west-2',
        roleArn: undefined,
      },
    })
    assert.deepEqual(services?.unknownFields, [])
  })

  it('reads the sigv4 sample with a role, a bucket-root repository and user_agent_extra', async () => {
    const services = await loadServicesFile(localFixture('services', 'shared-sigv4-s3-role.yaml'))
    assert.deepEqual(services?.sourceCluster?.auth, {kind: 'sigv4', region: 'us-east-1', service: 'es'})
    assert.equal(services?.snapshot?.repositoryName, 'my_repo')
    assert.deepEqual(services?.snapshot?.storage, {
      basePath: '',
      bucket: 'my-bucket',
      endpoint: undefined,
      kind: 's3',
      region: 'us-east-1',
      roleArn: 'arn:aws:iam::123456789012:role/OSMigrations-dev-us-east-1-default-SnapshotRole',
    })
    assert.equal(services?.userAgentExtra, 'MigrationAssistant/2.5')
  })

  it('accepts `source` as an alias and an fs repository', async () => {
    const services = await loadServicesFile(localFixture('services', 'shared-no-auth-fs.yaml'))
    assert.deepEqual(services?.sourceCluster?.auth, {kind: 'none'})
    assert.deepEqual(services?.snapshot?.storage, {kind: 'fs', path: '/snapshot/test-console'})
  })

  const invalid: [string, string, RegExp][] = [
    [
      'repo_uri without s3://',
      'snapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: my-bucket/path\n    aws_region: us-east-1\n',
      /snapshot\.s3\.repo_uri: must start with s3:\/\//,
    ],
    [
      's3, gcs and fs together',
      'snapshot:\n  snapshot_name: s\n  fs:\n    repo_path: /x\n  s3:\n    repo_uri: s3://bucket\n    aws_region: us-east-1\n',
      /snapshot: needs exactly one of s3, gcs, fs \(found s3 and fs\)/,
    ],
    [
      'both basic_auth and sigv4',
      'source_cluster:\n  endpoint: http://h:9200\n  basic_auth:\n    username: a\n    password: b\n  sigv4:\n',
      /source_cluster: needs exactly one of no_auth, basic_auth, sigv4 \(found basic_auth and sigv4\)/,
    ],
    ['no auth block', 'source_cluster:\n  endpoint: http://h:9200\n', /found none/],
    [
      'an endpoint without scheme',
      'source_cluster:\n  endpoint: source:9200\n  no_auth:\n',
      /source_cluster\.endpoint: must be a URL with a scheme/,
    ],
    [
      'username and user_secret_arn together',
      'source_cluster:\n  endpoint: http://h:9200\n  basic_auth:\n    username: a\n    password: b\n    user_secret_arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:x\n',
      /not both/,
    ],
    [
      'user_secret_arn and k8s_secret_name together',
      'source_cluster:\n  endpoint: http://h:9200\n  basic_auth:\n    user_secret_arn: x\n    k8s_secret_name: y\n',
      /only one of user_secret_arn and k8s_secret_name/,
    ],
    [
      'an empty password',
      'source_cluster:\n  endpoint: http://h:9200\n  basic_auth:\n    username: a\n    password: ""\n',
      /basic_auth\.password: must not be empty/,
    ],
    [
      'both source and source_cluster',
      'source:\n  endpoint: http://a:9200\n  no_auth:\nsource_cluster:\n  endpoint: http://b:9200\n  no_auth:\n',
      /alias of source_cluster/,
    ],
    ['malformed YAML', 'source_cluster:\n  endpoint: [unclosed\n', /not valid YAML at line/],
    ['a list at the top', '- a\n- b\n', /must be a YAML mapping/],
    [
      'a snapshot mode the console does not know',
      'snapshot:\n  snapshot_name: s\n  mode: copy\n  fs:\n    repo_path: /x\n',
      /snapshot\.mode: must be "create" or "import"/,
    ],
    [
      'solr_collections that are not a list',
      'snapshot:\n  snapshot_name: s\n  solr_collections: books\n  fs:\n    repo_path: /x\n',
      /snapshot\.solr_collections: must be a list of strings/,
    ],
    [
      'an invalid sigv4 region',
      'source:\n  endpoint: https://h\n  sigv4:\n    region: east\n',
      /sigv4\.region: must be an AWS region/,
    ],
  ]

  describe('every form the console accepts', () => {
    const accepted: [string, string, (services: Awaited<ReturnType<typeof parseServices>>) => void][] = [
      [
        'no_auth: ""',
        'source:\n  endpoint: http://h:9200\n  no_auth: ""\n',
        (services) => assert.deepEqual(services.sourceCluster?.auth, {kind: 'none'}),
      ],
      [
        'no_auth: {}',
        'source:\n  endpoint: http://h:9200\n  no_auth: {}\n',
        (services) => assert.deepEqual(services.sourceCluster?.auth, {kind: 'none'}),
      ],
      [
        'sigv4: {}',
        'source:\n  endpoint: https://h\n  sigv4: {}\n',
        (services) => assert.deepEqual(services.sourceCluster?.auth, {kind: 'sigv4', region: undefined, service: 'es'}),
      ],
      [
        'a sigv4 service other than es/aoss',
        'source:\n  endpoint: https://h\n  sigv4:\n    service: osis\n',
        (services) => assert.equal((services.sourceCluster?.auth as {service: string}).service, 'osis'),
      ],
      [
        'a secret given by name',
        'source:\n  endpoint: https://h\n  basic_auth:\n    user_secret_arn: source-creds\n',
        (services) => assert.deepEqual(services.sourceCluster?.auth, {kind: 'basic-secret', secretArn: 'source-creds'}),
      ],
      [
        'a Kubernetes secret',
        'source:\n  endpoint: https://h\n  basic_auth:\n    k8s_secret_name: source-creds\n',
        (services) => assert.deepEqual(services.sourceCluster?.auth, {kind: 'basic-k8s', secretName: 'source-creds'}),
      ],
      [
        'sigv4_signing_endpoint',
        'source:\n  endpoint: https://proxy:9200\n  sigv4_signing_endpoint: https://domain.es.amazonaws.com\n  sigv4:\n',
        (services) => assert.equal(services.sourceCluster?.sigv4SigningEndpoint, 'https://domain.es.amazonaws.com'),
      ],
      [
        'a proxy',
        'source:\n  endpoint: https://h:9200\n  no_auth:\n  proxy:\n    name: p\n    endpoint: https://proxy:9200\n',
        (services) => assert.equal(services.sourceCluster?.endpoint, 'https://h:9200'),
      ],
      [
        'role: "" and endpoint: "" as not set',
        'snapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: s3://b-1/x\n    aws_region: us-east-1\n    role: ""\n    endpoint: ""\n',
        (services) => {
          assert.equal((services.snapshot?.storage as {roleArn?: string}).roleArn, undefined)
          assert.equal((services.snapshot?.storage as {endpoint?: string}).endpoint, undefined)
        },
      ],
      [
        'an S3 endpoint without a scheme',
        'snapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: s3://b-1/x\n    aws_region: us-east-1\n    endpoint: localstack:4566\n',
        (services) => assert.equal((services.snapshot?.storage as {endpoint?: string}).endpoint, 'localstack:4566'),
      ],
      [
        'a role ARN with a path',
        'snapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: s3://b-1/x\n    aws_region: us-east-1\n    role: arn:aws:iam::123456789012:role/service-role/x\n',
        (services) =>
          assert.equal(
            (services.snapshot?.storage as {roleArn?: string}).roleArn,
            'arn:aws:iam::123456789012:role/service-role/x',
          ),
      ],
      [
        'the regions of every partition',
        'source:\n  endpoint: https://h\n  sigv4:\n    region: eusc-de-east-1\nsnapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: s3://b-1/x\n    aws_region: us-isof-south-1\n',
        (services) => assert.equal((services.snapshot?.storage as {region: string}).region, 'us-isof-south-1'),
      ],
      [
        'an upper-case repository name',
        'snapshot:\n  snapshot_name: s\n  snapshot_repo_name: repoA\n  fs:\n    repo_path: /x\n',
        (services) => assert.equal(services.snapshot?.repositoryName, 'repoA'),
      ],
      [
        'snapshot_repo_name: "" as the default',
        'snapshot:\n  snapshot_name: s\n  snapshot_repo_name: ""\n  fs:\n    repo_path: /x\n',
        (services) => assert.equal(services.snapshot?.repositoryName, 'migration_assistant_repo'),
      ],
      [
        'an upper-case snapshot name (checked only by the command that uses it)',
        'snapshot:\n  snapshot_name: Snap\n  fs:\n    repo_path: /x\n',
        (services) => assert.equal(services.snapshot?.snapshotName, 'Snap'),
      ],
      [
        'otel endpoints, mode and Solr collections',
        'snapshot:\n  snapshot_name: s\n  otel_trace_endpoint: http://o:4317\n  otel_metrics_endpoint: http://o:4317\n  mode: import\n  solr_collections: [a, b]\n  fs:\n    repo_path: /x\n',
        (services) => {
          assert.equal(services.snapshot?.mode, 'import')
          assert.deepEqual(services.snapshot?.solrCollections, ['a', 'b'])
        },
      ],
      [
        'a gcs location',
        'snapshot:\n  snapshot_name: s\n  gcs:\n    repo_uri: gs://b/x\n    endpoint: ""\n',
        (services) => assert.deepEqual(services.snapshot?.storage, {kind: 'gcs', repoUri: 'gs://b/x'}),
      ],
    ]
    for (const [what, text, check] of accepted)
      it(`reads ${what}`, async () => {
        const services = await parseServices('inline.yaml', text)
        check(services)
        assert.deepEqual(services.unknownFields, [])
      })

    for (const fixture of [
      'console-cdk-basic-auth-secret',
      'console-cdk-no-auth',
      'console-cdk-sigv4-external-snapshot',
      'console-k8s-workflow',
      'console-docker',
      'console-solr',
      'console-gcs',
    ])
      it(`reads ${fixture}.yaml, shaped as the console's generators write it, with no unknown field`, async () => {
        const services = await loadServicesFile(localFixture('services', `${fixture}.yaml`))
        assert.ok(services?.sourceCluster?.endpoint)
        assert.deepEqual(services?.unknownFields, [])
      })

    it('names unknown fields with "did you mean" instead of refusing them', async () => {
      const services = await parseServices(
        'inline.yaml',
        'sources:\n  a: 1\nsource_cluster:\n  endpoint: http://h:9200\n  no_auth:\n  allow_insecur: true\n  mtls_auth: {}\nsnapshot:\n  snapshot_nmae: x\n  fs:\n    repo_path: /x\n',
      )
      assert.deepEqual(services.unknownFields, [
        'sources (did you mean source?)',
        'source_cluster.allow_insecur (did you mean source_cluster.allow_insecure?)',
        'source_cluster.mtls_auth',
        'snapshot.snapshot_nmae (did you mean snapshot.snapshot_name?)',
      ])
    })
  })

  for (const [what, text, message] of invalid) {
    it(`rejects ${what}, naming the file and the field`, async () => {
      const file = servicesFile(`${what.replaceAll(/[^a-z0-9]+/gi, '-')}.yaml`, text)
      const error = await rejection(loadServicesFile(file))
      assert.match(error.message, message)
      assert.ok(error.message.startsWith(file), error.message)
      assert.equal(error.exitCode, 2)
    })
  }

  it('rejects a directory, a missing explicit file and a huge file', async () => {
    const directory = path.join(scratch, 'a-directory')
    mkdirSync(directory)
    assert.match((await rejection(loadServicesFile(directory))).message, /is a directory/)
    assert.match((await rejection(loadServicesFile(path.join(scratch, 'absent.yaml')))).message, /no such file/)
    const huge = servicesFile('huge.yaml', `# ${'x'.repeat(2 * 1024 * 1024)}\n`)
    assert.match((await rejection(loadServicesFile(huge))).message, /at most 1048576 bytes/)
  })

  it('takes MIGRATION_SERVICES_YAML_PATH when no --config-file is given, and the flag over it', async () => {
    const fromEnv = servicesFile('env.yaml', 'source:\n  endpoint: http://env:9200\n  no_auth:\n')
    const fromFlag = servicesFile('flag.yaml', 'source:\n  endpoint: http://flag:9200\n  no_auth:\n')
    const env = {MIGRATION_SERVICES_YAML_PATH: fromEnv}
    assert.equal((await loadServicesFile(undefined, env))?.sourceCluster?.endpoint, 'http://env:9200')
    assert.equal((await loadServicesFile(fromFlag, env))?.sourceCluster?.endpoint, 'http://flag:9200')
  })

  it('reads the file once per run and keeps an error instead of throwing it', async () => {
    const owner = {}
    const file = servicesFile('once.yaml', 'source:\n  endpoint: nope\n  no_auth:\n')
    const first = readServicesOnce(owner, file)
    assert.equal(readServicesOnce(owner, file), first)
    assert.match((await first).error?.message ?? '', /source\.endpoint/)
  })

  it('finds --config-file in raw argv in both spellings', () => {
    assert.equal(configFileFromArgv(['--json', '--config-file', '/a.yaml']), '/a.yaml')
    assert.equal(configFileFromArgv(['--config-file=/b.yaml']), '/b.yaml')
    assert.equal(configFileFromArgv(['--', '--config-file', '/c.yaml']), undefined)
  })

  it('parses YAML text without touching the disk', async () => {
    const services = await parseServices('inline', 'client_options:\n  user_agent_extra: X/1\n')
    assert.equal(services.userAgentExtra, 'X/1')
    assert.equal(services.sourceCluster, undefined)
  })

  describe('the config hook', () => {
    const invalid = () => servicesFile('hook-invalid.yaml', 'source:\n  endpoint: no-scheme\n  no_auth:\n')
    const valid = () => servicesFile('hook-valid.yaml', 'source:\n  endpoint: http://valid:9200\n  no_auth:\n')
    const runHook = (id: string | undefined, argv: string[], config: object) =>
      (servicesHook as unknown as (options: object) => Promise<void>).call({}, {argv, config, id})

    it("reads the file for this plugin's commands, once, from --config-file", async () => {
      const config = {}
      await runHook('snapshot:verify', ['--config-file', invalid()], config)
      const outcome = await readServicesOnce(config, valid())
      assert.match(outcome.error?.message ?? '', /hook-invalid\.yaml: source\.endpoint/)
    })

    for (const [what, id, argv] of [
      ['--help', 'snapshot:verify', ['--help']],
      ['a host CLI command', 'plugins:install', []],
      ['--version', undefined, ['--version']],
    ] as const)
      it(`leaves the file alone for ${what}`, async () => {
        const config = {}
        await runHook(id, [...argv, '--config-file', invalid()], config)
        const outcome = await readServicesOnce(config, valid())
        assert.equal(outcome.services?.sourceCluster?.endpoint, 'http://valid:9200')
      })
  })
})
