import {strict as assert} from 'node:assert'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'

import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'
import {localFixture} from '../helpers/paths.js'
import {runCommand} from '../helpers/run-command.js'

/**
 * The --json report of each command is an interface for scripted users: its shape (keys and
 * value types, steps included) is checked in, and a change shows here before it ships.
 * After an intended change: UPDATE_SHAPES=1 npm run test:unit, and say so in the changelog.
 */
type Shape = string | Shape[] | {[key: string]: Shape}

function shapeOf(value: unknown): Shape {
  if (Array.isArray(value)) {
    const shapes = value.map(shapeOf)
    const merged = shapes.reduce<Record<string, Shape>>((all, shape) => (typeof shape === 'object' && !Array.isArray(shape) ? {...all, ...shape} : all), {})
    return shapes.length === 0 ? [] : typeof shapes[0] === 'object' && !Array.isArray(shapes[0]) ? [sorted(merged)] : [shapes[0]]
  }
  if (value !== null && typeof value === 'object') return sorted(Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)])))
  return value === null ? 'null' : typeof value
}

const sorted = (object: Record<string, Shape>) => Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)))

function compareWithCheckedIn(name: string, report: unknown) {
  const file = localFixture('json-shapes', `${name}.json`)
  const shape = shapeOf(report)
  if (process.env.UPDATE_SHAPES || !existsSync(file)) writeFileSync(file, `${JSON.stringify(shape, null, 2)}\n`)
  assert.deepEqual(shape, JSON.parse(readFileSync(file, 'utf8')), `the --json shape of ${name} changed; if intended, UPDATE_SHAPES=1 and note it`)
}

const services = localFixture('services', 'local-s3.yaml')
const env = {CI: 'true', MIGRATION_SERVICES_YAML_PATH: undefined, CONSOLE_DATA_DIR: '/tmp/json-shape-data'}

describe('--json report shapes', () => {
  function world() {
    const s3 = new FakeS3().addBucket('migration-bucket')
    const cluster = new FakeCluster('http://source.test:9200', s3)
    s3.install()
    cluster.install()
    return {s3, cluster}
  }

  it('snapshot verify (a failure, so the diagnosis is in the shape too)', async () => {
    const {cluster} = world()
    cluster.nodes = [{name: 'n1', plugins: []}]
    const outcome = await runCommand(['snapshot', 'verify', '--config-file', services, '--json'], env)
    compareWithCheckedIn('snapshot-verify', JSON.parse(outcome.stdout))
  })

  it('snapshot delete', async () => {
    world()
    const outcome = await runCommand(['snapshot', 'delete', '--config-file', services, '--json', '--yes'], env)
    compareWithCheckedIn('snapshot-delete', JSON.parse(outcome.stdout))
  })

  it('repo clean', async () => {
    world()
    const outcome = await runCommand(['repo', 'clean', '--config-file', services, '--json', '--yes'], env)
    compareWithCheckedIn('repo-clean', JSON.parse(outcome.stdout))
  })

  it('an error before any step (usage)', async () => {
    const outcome = await runCommand(['snapshot', 'verify', '--json', '--bucket', 'Bad'], env)
    compareWithCheckedIn('error', JSON.parse(outcome.stdout))
  })
})
