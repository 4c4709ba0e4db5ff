import nock from 'nock'
import {randomUUID} from 'node:crypto'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import type {FakeS3} from './fake-s3.js'

interface Repository {
  settings: Record<string, string>
  type: string
}

type Reply = [number, unknown]

/**
 * A cluster behind nock that keeps repositories and snapshots, and writes the repository's
 * files (index-N, snap-, meta-) into a FakeS3 bucket or a directory as a real node would.
 */
export class FakeCluster {
  /** What `_cat/indices` lists (none by default: verify then proves the metadata path only). */
  indices: {
    'docs.count': string
    health?: string
    index: string
    pri: string
    'pri.store.size': string
    status: string
  }[] = []
  nodes: {modules?: string[]; name: string; plugins: string[]}[] = [{name: 'node-1', plugins: ['repository-s3']}]
  /** Answers given instead of the normal behaviour: `METHOD path-regex` → reply. */
  readonly overrides: {method: string; path: RegExp; reply: Reply; times?: number}[] = []
  /** The nodes' path.repo; undefined answers 403 as for a user without the privilege. */
  pathRepo: string[] | undefined = ['/var/snapshots']
  readonly repositories = new Map<string, Repository>()
  readonly requests: {body?: unknown; method: string; path: string}[] = []
  /** Snapshots reported IN_PROGRESS. */
  readonly running = new Set<string>()
  readonly snapshots = new Map<string, Map<string, string>>()
  version = {distribution: undefined as string | undefined, number: '7.10.2'}
  /** When false, snapshots "succeed" without writing files: the snapshot-not-in-bucket case. */
  writesFiles = true
  private generation = new Map<string, number>()

  constructor(
    readonly endpoint = 'http://source.test:9200',
    readonly s3?: FakeS3,
  ) {}

  install(): nock.Scope {
    const scope = nock(this.endpoint).persist()
    for (const method of ['get', 'put', 'post', 'delete'] as const)
      scope[method](/.*/).reply((uri, body) => {
        const url = new URL(uri, this.endpoint)
        const parsed = typeof body === 'string' && body ? JSON.parse(body) : body || undefined
        this.requests.push({body: parsed, method: method.toUpperCase(), path: url.pathname})
        return this.handle(method.toUpperCase(), url, parsed) as nock.ReplyFnResult
      })
    return scope
  }

  override(method: string, pathPattern: RegExp, reply: Reply, times?: number): this {
    this.overrides.push({method, path: pathPattern, reply, times})
    return this
  }

  requestLines(): string[] {
    return this.requests.map((request) => `${request.method} ${request.path}`)
  }

  /**
   * Registers an S3 repository on its fake bucket and takes snapshots, through the cluster's own API
   * (as a migration would), so the bucket holds what the cluster wrote.
   */
  async seedS3Repository(repository: string, location: {basePath: string; bucket: string}, snapshots: string[] = []) {
    if (!this.s3) throw new Error('seedS3Repository needs the FakeS3 the cluster writes to')
    if (!this.s3.buckets.has(location.bucket)) this.s3.addBucket(location.bucket)
    const put = (url: string, body?: unknown) =>
      fetch(`${this.endpoint}${url}`, {
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: {'content-type': 'application/json'},
        method: 'PUT',
      })
    await put(`/_snapshot/${repository}`, {
      settings: {
        base_path: location.basePath,
        bucket: location.bucket,
        endpoint: this.s3.endpoint,
        region: 'us-east-1',
      },
      type: 's3',
    })
    for (const snapshot of snapshots) await put(`/_snapshot/${repository}/${snapshot}?wait_for_completion=true`, {})
  }

  private handle(method: string, url: URL, body: any): Reply {
    const override = this.overrides.find(
      (candidate) => candidate.method === method && candidate.path.test(url.pathname) && candidate.times !== 0,
    )
    if (override) {
      if (override.times !== undefined) override.times--
      return override.reply
    }

    const parts = url.pathname
      .split('/')
      .filter(Boolean)
      .map((part) => decodeURIComponent(part))
    if (parts.length === 0) return [200, {cluster_name: 'fake', version: this.version}]
    if (url.pathname === '/_cluster/state/metadata')
      return [
        200,
        {
          metadata: {
            repositories: Object.fromEntries(
              [...this.repositories].map(([name, body]) => [
                name,
                {...body, generation: this.generation.get(name) ?? -1},
              ]),
            ),
          },
        },
      ]
    if (parts[0] === '_cat' && parts[1] === 'indices') return [200, this.indices]
    if (parts[1] === '_segments') return [200, {indices: {}}]
    if (parts[0] === '_nodes' && parts[1] === 'settings') {
      if (this.pathRepo === undefined)
        return [
          403,
          {error: {reason: 'no permissions for [cluster:monitor/nodes/info]', type: 'security_exception'}, status: 403},
        ]
      return [
        200,
        {
          nodes: Object.fromEntries(
            this.nodes.map((node, index) => [`id${index}`, {settings: {path: {repo: this.pathRepo}}}]),
          ),
        },
      ]
    }

    if (parts[0] === '_nodes')
      return [
        200,
        {
          nodes: Object.fromEntries(
            this.nodes.map((node, index) => [
              `id${index}`,
              {
                modules: (node.modules ?? []).map((name) => ({name})),
                name: node.name,
                plugins: node.plugins.map((name) => ({name})),
              },
            ]),
          ),
        },
      ]
    if (parts[0] !== '_snapshot') return [404, {error: {reason: url.pathname, type: 'not_found'}}]
    const [, repository, snapshot] = parts
    if (!repository) return [200, Object.fromEntries(this.repositories)]
    const known = this.repositories.get(repository)
    const missingRepository: Reply = [
      404,
      {error: {reason: `[${repository}] missing`, type: 'repository_missing_exception'}, status: 404},
    ]
    if (!snapshot) {
      if (method === 'PUT') {
        this.repositories.set(repository, body)
        this.readRepositoryFiles(repository, body)
        return [200, {acknowledged: true}]
      }

      if (!known) return missingRepository
      if (method === 'DELETE') {
        this.repositories.delete(repository)
        return [200, {acknowledged: true}]
      }

      return [200, {[repository]: known}]
    }

    if (!known) return missingRepository
    if (snapshot === '_verify' && method === 'POST') return [200, {nodes: {id0: {name: 'node-1'}}}]
    const snapshots = this.snapshots.get(repository)!
    const missingSnapshot: Reply = [
      404,
      {error: {reason: `[${repository}:${snapshot}] is missing`, type: 'snapshot_missing_exception'}, status: 404},
    ]
    if (method === 'PUT') {
      if (snapshots.has(snapshot))
        return [
          400,
          {
            error: {
              reason: `[${repository}:${snapshot}] Invalid snapshot name [${snapshot}], snapshot with the same name already exists`,
              type: 'invalid_snapshot_name_exception',
            },
            status: 400,
          },
        ]
      const uuid = randomUUID()
      snapshots.set(snapshot, uuid)
      if (this.writesFiles) this.writeRepositoryFiles(repository, known, {snap: uuid})
      return [200, {snapshot: {indices: [], snapshot, state: 'SUCCESS', uuid}}]
    }

    if (method === 'GET') {
      const pattern = new RegExp(
        `^(${snapshot
          .split(',')
          .map((part) =>
            part === '_all' ? '.*' : part.replaceAll(/[.+?^${}()|[\]\\]/g, String.raw`\$&`).replaceAll('*', '.*'),
          )
          .join('|')})$`,
      )
      const matching = [...snapshots].filter(([name]) => pattern.test(name))
      if (matching.length === 0 && !snapshot.includes('*') && snapshot !== '_all') return missingSnapshot
      return [
        200,
        {
          snapshots: matching.map(([name, uuid]) => ({
            snapshot: name,
            state: this.running.has(name) ? 'IN_PROGRESS' : 'SUCCESS',
            uuid,
          })),
        },
      ]
    }

    if (!snapshots.has(snapshot)) return missingSnapshot
    if (method === 'DELETE') {
      this.running.delete(snapshot)
      const uuid = snapshots.get(snapshot)!
      snapshots.delete(snapshot)
      if (this.writesFiles) this.writeRepositoryFiles(repository, known, {removed: uuid})
      return [200, {acknowledged: true}]
    }

    return [405, {error: {reason: method, type: 'method_not_allowed'}}]
  }

  /** As a node does on registration: the snapshots are what the newest index-N says, or none. */
  private readRepositoryFiles(repository: string, body: Repository) {
    const snapshots = new Map<string, string>()
    let newest = -1
    if (body.type === 's3' && this.s3?.buckets.has(body.settings.bucket)) {
      const prefix = body.settings.base_path ? `${body.settings.base_path}/` : ''
      for (const key of this.s3.keys(body.settings.bucket, `${prefix}index-`)) {
        const generation = Number(/index-(\d+)$/.exec(key)?.[1] ?? -1)
        newest = Math.max(newest, generation)
      }

      if (newest >= 0) {
        const index = JSON.parse(
          this.s3.buckets.get(body.settings.bucket)!.objects.get(`${prefix}index-${newest}`)!.toString(),
        )
        for (const entry of index.snapshots) snapshots.set(entry.name, entry.uuid)
      }
    }

    this.snapshots.set(repository, snapshots)
    this.generation.set(repository, newest)
  }

  private writeRepositoryFiles(repository: string, known: Repository, change: {removed?: string; snap?: string}) {
    const next = (this.generation.get(repository) ?? -1) + 1
    this.generation.set(repository, next)
    const snapshots = [...this.snapshots.get(repository)!].map(([name, uuid]) => ({name, state: 1, uuid}))
    const index = JSON.stringify({indices: {}, snapshots})
    const files: [string, string | undefined][] = [
      [`index-${next}`, index],
      [`index-${next - 1}`, undefined],
    ]
    if (change.snap) files.push([`snap-${change.snap}.dat`, 'snap'], [`meta-${change.snap}.dat`, 'meta'])
    if (change.removed) files.push([`snap-${change.removed}.dat`, undefined], [`meta-${change.removed}.dat`, undefined])
    for (const [name, content] of files) {
      if (known.type === 's3') {
        const key = `${known.settings.base_path ? `${known.settings.base_path}/` : ''}${name}`
        const bucket = this.s3!.buckets.get(known.settings.bucket)!
        if (content === undefined) bucket.objects.delete(key)
        else bucket.objects.set(key, Buffer.from(content))
      } else {
        mkdirSync(known.settings.location, {recursive: true})
        const file = path.join(known.settings.location, name)
        if (content === undefined) rmSync(file, {force: true})
        else writeFileSync(file, content)
      }
    }
  }
}
