import {strict as assert} from 'node:assert'
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {loadServicesFile, parseServices, ServicesFileError} from '../../src/services/load.js'
import {readLikePyyaml, YamlDate} from '../../src/services/pyyaml.js'
import {assertReadsAsConsole, type ConsoleVerdict} from '../helpers/console-verdicts.js'
import {localFixture} from '../helpers/paths.js'
import {runCommand} from '../helpers/run-command.js'

const consoleFixture = (name: string) => localFixture('services', 'console', name)

async function refusal(text: string): Promise<string> {
  try {
    await parseServices('inline.yaml', text)
  } catch (error) {
    assert.ok(error instanceof ServicesFileError, String(error))
    assert.equal(error.exitCode, 2)
    return error.message
  }

  assert.fail(`expected a refusal of:\n${text}`)
}

describe('services files as the console reads them (YAML 1.1, as PyYAML)', () => {
  describe("every file of the console's tests and generators", () => {
    const verdicts = JSON.parse(readFileSync(consoleFixture('file-verdicts.json'), 'utf8')) as Record<
      string,
      {readSections: ConsoleVerdict; whole: ConsoleVerdict}
    >
    const files = readdirSync(localFixture('services', 'console')).filter(
      (name) => /\.(ya?ml|json)$/.test(name) && !name.includes('verdicts'),
    )

    it('has a recorded console verdict for each file (scripts/console-verdicts.py)', () => {
      assert.ok(files.length >= 13)
      assert.deepEqual(
        files.filter((name) => !verdicts[name]),
        [],
      )
    })

    for (const name of files)
      it(`${name}: as the console reads the sections the plugin uses`, async () => {
        const verdict = verdicts[name].readSections
        if (verdict.ok) {
          const services = await loadServicesFile(consoleFixture(name))
          assert.ok(services)
          assertReadsAsConsole(services, verdict, name)
          assert.deepEqual(services.unknownFields, [], 'the generators write no field the plugin does not know')
        } else {
          // The console refuses it too: the plugin says why, naming the field (exit 2).
          const message = await refusal(readFileSync(consoleFixture(name), 'utf8'))
          assert.match(message, /source_cluster\.mtls_auth/)
        }
      })
  })

  describe('YAML 1.1 values, as PyYAML 6 resolves them', () => {
    // Expected values are what `yaml.safe_load` returns for the same text.
    const scalars: [string, unknown][] = [
      ['yes', true],
      ['Off', false],
      ['on', true],
      ['NO', false],
      ['y', 'y'],
      ['n', 'n'],
      ['1e5', '1e5'],
      ['1.0e+5', 100_000],
      ['0x1F', 31],
      ['012', 10],
      ['08', '08'],
      ['1_000', 1000],
      ['1:30', 90],
      ['.5', 0.5],
      ['~', null],
      ['Null', null],
      ['', null],
      ['2024-1-5', '2024-1-5'],
      ['!!str 2024-01-15', '2024-01-15'],
      ['"yes"', 'yes'],
    ]
    for (const [text, expected] of scalars)
      it(`reads \`a: ${text}\` as ${JSON.stringify(expected)}`, async () => {
        assert.deepEqual(await readLikePyyaml(`a: ${text}\n`), {a: expected})
      })

    it('reads 2024-01-15 (and a date with a time) as a date, not a string', async () => {
      const value = (await readLikePyyaml('a: 2024-01-15\nb: 2024-01-15 10:00:00\n')) as Record<string, unknown>
      assert.ok(value.a instanceof YamlDate && value.a.text === '2024-01-15')
      assert.ok(value.b instanceof YamlDate)
    })

    it('merges << as PyYAML does: own keys win, then the earlier mapping of a list', async () => {
      assert.deepEqual(await readLikePyyaml('x: &a {p: 1, q: 2}\ny: &b {p: 3, r: 4}\nz:\n  <<: [*a, *b]\n  q: 9\n'), {
        x: {p: 1, q: 2},
        y: {p: 3, r: 4},
        z: {p: 1, q: 9, r: 4},
      })
    })

    it('refuses a tag safe_load does not know, and a file of several documents', async () => {
      await assert.rejects(readLikePyyaml('a: !custom x\n'), /line 1: the tag !custom is not one/)
      await assert.rejects(readLikePyyaml('a: 1\n---\nb: 2\n'), /more than one YAML document \(from line 2\)/)
    })
  })

  describe('files the console accepts', () => {
    it('allow_insecure: yes / on / off', async () => {
      for (const [text, expected] of [
        ['yes', true],
        ['on', true],
        ['off', false],
      ] as const) {
        const services = await parseServices(
          'inline.yaml',
          `source_cluster:\n  endpoint: https://h:9200\n  allow_insecure: ${text}\n  no_auth:\n`,
        )
        assert.equal(services.sourceCluster?.allowInsecure, expected, text)
      }
    })

    it('a merge key (<<: *base) bringing the auth block and endpoint', async () => {
      const services = await parseServices(
        'inline.yaml',
        'target_cluster: &base\n  endpoint: https://shared:9200\n  basic_auth:\n    username: admin\n    password: pw\nsource_cluster:\n  <<: *base\n  endpoint: https://source:9200\n',
      )
      assert.equal(services.sourceCluster?.endpoint, 'https://source:9200')
      assert.deepEqual(services.sourceCluster?.auth, {kind: 'basic', password: 'pw', username: 'admin'})
      assert.deepEqual(services.unknownFields, [])
    })

    it('a duplicate key: the last one wins', async () => {
      const services = await parseServices(
        'inline.yaml',
        'source_cluster:\n  endpoint: https://first:9200\n  no_auth:\n  endpoint: https://last:9200\n',
      )
      assert.equal(services.sourceCluster?.endpoint, 'https://last:9200')
    })

    for (const [what, text] of [
      ['an empty file', ''],
      ['a file of blanks', '   \n\n'],
      ['a comment-only file', '# services come later\n'],
      ['a lone document marker', '---\n'],
    ])
      it(`${what}, as no sections at all`, async () => {
        const services = await parseServices('inline.yaml', text)
        assert.equal(services.sourceCluster, undefined)
        assert.equal(services.snapshot, undefined)
        assert.deepEqual(services.unknownFields, [])
      })

    it('JSON, as the Kubernetes workflow writes it', async () => {
      const services = await parseServices(
        'inline.json',
        '{"source_cluster": {"endpoint": "https://h:9200", "allow_insecure": true, "no_auth": {}}, "snapshot": {"snapshot_name": "s", "snapshot_repo_name": "repoA", "s3": {"repo_uri": "s3://b-1/x", "aws_region": "us-east-2", "endpoint": "", "role": ""}}}',
      )
      assert.equal(services.sourceCluster?.allowInsecure, true)
      assert.equal(services.snapshot?.repositoryName, 'repoA')
    })

    it('snapshot_name: 1e5 (a string to PyYAML)', async () => {
      const services = await parseServices('inline.yaml', 'snapshot:\n  snapshot_name: 1e5\n  fs:\n    repo_path: /x\n')
      assert.equal(services.snapshot?.snapshotName, '1e5')
    })
  })

  describe('files the console refuses', () => {
    it('snapshot_name: 2024-01-15 (a date), naming the field and saying to quote it', async () => {
      const message = await refusal('snapshot:\n  snapshot_name: 2024-01-15\n  fs:\n    repo_path: /x\n')
      assert.match(
        message,
        /snapshot\.snapshot_name: must be a string, not the date 2024-01-15 .*quote it, "2024-01-15"/,
      )
      const quoted = await parseServices(
        'inline.yaml',
        'snapshot:\n  snapshot_name: "2024-01-15"\n  fs:\n    repo_path: /x\n',
      )
      assert.equal(quoted.snapshot?.snapshotName, '2024-01-15')
    })

    it('allow_insecure: y (a string to PyYAML)', async () => {
      assert.match(
        await refusal('source_cluster:\n  endpoint: https://h:9200\n  allow_insecure: y\n  no_auth:\n'),
        /source_cluster\.allow_insecure: must be true or false, not the string "y"/,
      )
    })

    it('snapshot_name: 0x1F (a number to PyYAML)', async () => {
      assert.match(
        await refusal('snapshot:\n  snapshot_name: 0x1F\n  fs:\n    repo_path: /x\n'),
        /snapshot\.snapshot_name: must be a string, not the number 31/,
      )
    })

    it('snapshot.gcs left empty, naming it (no JavaScript error)', async () => {
      assert.match(
        await refusal('snapshot:\n  snapshot_name: s\n  gcs:\n'),
        /snapshot\.gcs: must be a mapping, not null \(empty\)/,
      )
    })
  })

  describe('Solr and mTLS sources', () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'console-files-'))
    const scripted = {CI: 'true', CONSOLE_DATA_DIR: path.join(scratch, 'data'), MIGRATION_SERVICES_YAML_PATH: undefined}
    const verifyDryRun = (name: string, text: string) => {
      const file = path.join(scratch, name)
      writeFileSync(file, text)
      return runCommand(['snapshot', 'verify', '--dry-run', '--json', '--config-file', file], scripted)
    }

    it('decides a Solr source by source_cluster.version alone, as the console does', async () => {
      const withCollections = await verifyDryRun(
        'es-with-collections.yaml',
        'source_cluster:\n  endpoint: http://es:9200\n  version: ES_7.10\n  no_auth:\nsnapshot:\n  snapshot_name: s\n  solr_collections: [books]\n  fs:\n    repo_path: /snapshots\n',
      )
      assert.equal(withCollections.exitCode, 0, withCollections.stdout)
      const solr = await verifyDryRun(
        'solr.yaml',
        'source_cluster:\n  endpoint: http://solr:8983\n  version: SOLR 9.7.0\n  no_auth:\nsnapshot:\n  snapshot_name: s\n  fs:\n    repo_path: /snapshots\n',
      )
      assert.equal(solr.exitCode, 2)
      assert.match(JSON.parse(solr.stdout).error.message, /the source is Solr \(source_cluster\.version SOLR 9\.7\.0\)/)
    })

    it('names mtls_auth, says the console does not support it and what to use instead', async () => {
      const outcome = await verifyDryRun(
        'mtls.yaml',
        'source_cluster:\n  endpoint: https://secure:9200\n  mtls_auth:\n    caCert: x\n    clientSecretName: tls\nsnapshot:\n  snapshot_name: s\n  fs:\n    repo_path: /snapshots\n',
      )
      assert.equal(outcome.exitCode, 2)
      const {message} = JSON.parse(outcome.stdout).error
      assert.match(message, /source_cluster\.mtls_auth: the migration console does not support mTLS/)
      assert.match(message, /give the source basic_auth .*, sigv4 or no_auth instead/)
      assert.doesNotMatch(message, /found none/)
    })
  })
})
