import nock from 'nock'

import {escapeXml as escape, parseDeleteRequest} from './s3-xml.js'

type Reply = [number, Buffer | string, Record<string, string>?]

interface FakeBucket {
  /** Non-current versions and delete markers of a versioned bucket. */
  history: {key: string; marker: boolean; versionId: string}[]
  objects: Map<string, Buffer>
  region: string
  versioned: boolean
}

const xmlError = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`

/**
 * An in-memory S3 behind nock, path-style, enough for the plugin's calls: buckets, objects,
 * paginated listing, DeleteObjects with per-key errors. Tests read its state to assert leftovers.
 */
export class FakeS3 {
  readonly buckets = new Map<string, FakeBucket>()
  readonly calls: string[] = []
  /** Checked before each call; a reply here replaces the normal behaviour (fault injection). */
  readonly faults: ((method: string, bucket: string, key: string, search?: string) => Reply | undefined)[] = []
  pageSize = 1000
  /** Keys whose deletion the store acknowledges without doing it (a policy, a retention it does not report). */
  readonly retained = new Set<string>()

  constructor(readonly endpoint = 'http://s3.test:9000') {}

  addBucket(name: string, region = 'us-east-1'): this {
    this.buckets.set(name, {history: [], objects: new Map(), region, versioned: false})
    return this
  }

  /** Turns versioning on and gives each key under prefix an old version and a delete marker. */
  addHistory(bucket: string, keys: string[]): void {
    const target = this.buckets.get(bucket)!
    target.versioned = true
    for (const key of keys)
      target.history.push(
        {key, marker: false, versionId: `old-${key}`},
        {key, marker: true, versionId: `marker-${key}`},
      )
  }

  historyCount(bucket: string): number {
    return this.buckets.get(bucket)?.history.length ?? 0
  }

  install(): nock.Scope {
    const scope = nock(this.endpoint).persist()
    for (const method of ['get', 'put', 'post', 'delete', 'head'] as const)
      scope[method](/.*/).reply((uri, body) => {
        const [status, payload, headers] = this.handle(method.toUpperCase(), uri, body as string)
        // Every S3 API names its answers with a request id; the plugin takes nothing else for S3.
        return [status, payload, {'x-amz-request-id': 'fake-s3', ...headers}]
      })
    return scope
  }

  keys(bucket: string, prefix = ''): string[] {
    return [...(this.buckets.get(bucket)?.objects.keys() ?? [])].filter((key) => key.startsWith(prefix)).sort()
  }

  put(bucket: string, key: string, content: Buffer | string): void {
    this.buckets.get(bucket)!.objects.set(key, Buffer.from(content))
  }

  private bucketOperation(method: string, name: string, bucket: FakeBucket | undefined, url: URL, body: string): Reply {
    if (method === 'PUT') {
      const region = /<LocationConstraint>([^<]+)<\/LocationConstraint>/.exec(body ?? '')?.[1] ?? 'us-east-1'
      this.addBucket(name, region)
      return [200, '', {location: `/${name}`}]
    }

    if (!bucket) return [404, method === 'HEAD' ? '' : xmlError('NoSuchBucket', 'The specified bucket does not exist')]
    if (method === 'HEAD') return [200, '', {'x-amz-bucket-region': bucket.region}]
    if (method === 'DELETE') {
      if (bucket.objects.size > 0)
        return [409, xmlError('BucketNotEmpty', 'The bucket you tried to delete is not empty')]
      this.buckets.delete(name)
      return [204, '']
    }

    if (method === 'GET' && url.searchParams.has('versioning'))
      return [
        200,
        `<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration>${bucket.versioned ? '<Status>Enabled</Status>' : ''}</VersioningConfiguration>`,
      ]
    if (method === 'GET' && url.searchParams.has('versions')) return this.listVersions(name, bucket, url)
    if (method === 'POST' && url.searchParams.has('delete')) {
      const errors: string[] = []
      for (const {Key: key, VersionId: versionId} of parseDeleteRequest(body ?? '').objects) {
        const fault = this.faults.map((check) => check('DELETE-KEY', name, key)).find(Boolean)
        if (fault)
          errors.push(`<Error><Key>${escape(key)}</Key><Code>InternalError</Code><Message>injected</Message></Error>`)
        else if (this.retained.has(key)) continue
        else if (versionId && versionId !== 'current')
          bucket.history = bucket.history.filter((entry) => !(entry.key === key && entry.versionId === versionId))
        else bucket.objects.delete(key)
      }

      return [200, `<?xml version="1.0" encoding="UTF-8"?><DeleteResult>${errors.join('')}</DeleteResult>`]
    }

    if (method === 'GET' && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? ''
      if (url.searchParams.get('delimiter') === '/') {
        const common = [
          ...new Set(
            this.keys(name, prefix)
              .filter((key) => key.slice(prefix.length).includes('/'))
              .map((key) => key.slice(0, key.indexOf('/', prefix.length) + 1)),
          ),
        ]
        return [
          200,
          `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${name}</Name><IsTruncated>false</IsTruncated>${common.map((entry) => `<CommonPrefixes><Prefix>${escape(entry)}</Prefix></CommonPrefixes>`).join('')}</ListBucketResult>`,
        ]
      }

      const limit = Math.min(Number(url.searchParams.get('max-keys') ?? this.pageSize), this.pageSize)
      // As S3 does, a continuation token stands for the last key returned, not a position: deleting
      // keys of earlier pages while listing must not make the listing skip any.
      const token = url.searchParams.get('continuation-token')
      const after = token ? Buffer.from(token, 'base64url').toString() : ''
      const all = this.keys(name, prefix).filter((key) => key > after)
      const page = all.slice(0, limit)
      const truncated = limit < all.length
      const contents = page
        .map((key) => `<Contents><Key>${escape(key)}</Key><Size>${bucket.objects.get(key)!.length}</Size></Contents>`)
        .join('')
      return [
        200,
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${name}</Name><Prefix>${escape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${limit}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${Buffer.from(page.at(-1)!).toString('base64url')}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`,
      ]
    }

    return [405, xmlError('MethodNotAllowed', `${method} ${url.search}`)]
  }

  private handle(method: string, uri: string, body: string): Reply {
    const url = new URL(uri, this.endpoint)
    const [, bucketName = '', ...rest] = url.pathname.split('/')
    const key = decodeURIComponent(rest.join('/'))
    this.calls.push(`${method} ${bucketName}${key ? `/${key}` : ''}${url.search}`)
    for (const fault of this.faults) {
      const reply = fault(method, bucketName, key, url.search)
      if (reply) return reply
    }

    const bucket = this.buckets.get(bucketName)
    if (!key) return this.bucketOperation(method, bucketName, bucket, url, body)
    if (!bucket) return [404, xmlError('NoSuchBucket', 'The specified bucket does not exist')]
    switch (method) {
      case 'DELETE': {
        bucket.objects.delete(key)
        return [204, '']
      }

      case 'GET': {
        const content = bucket.objects.get(key)
        return content
          ? [200, content, {'content-length': String(content.length)}]
          : [404, xmlError('NoSuchKey', 'The specified key does not exist.')]
      }

      case 'HEAD': {
        return bucket.objects.has(key)
          ? [200, '', {'content-length': String(bucket.objects.get(key)!.length)}]
          : [404, '']
      }

      case 'PUT': {
        bucket.objects.set(key, Buffer.from(body ?? ''))
        return [200, '', {etag: '"fake"'}]
      }
    }

    return [405, xmlError('MethodNotAllowed', method)]
  }

  private listVersions(name: string, bucket: FakeBucket, url: URL): Reply {
    const prefix = url.searchParams.get('prefix') ?? ''
    const entries = [
      ...this.keys(name, prefix).map(
        (key) =>
          `<Version><Key>${escape(key)}</Key><VersionId>current</VersionId><IsLatest>true</IsLatest><Size>${bucket.objects.get(key)!.length}</Size></Version>`,
      ),
      ...bucket.history
        .filter((entry) => entry.key.startsWith(prefix))
        .map((entry) =>
          entry.marker
            ? `<DeleteMarker><Key>${escape(entry.key)}</Key><VersionId>${entry.versionId}</VersionId><IsLatest>false</IsLatest></DeleteMarker>`
            : `<Version><Key>${escape(entry.key)}</Key><VersionId>${entry.versionId}</VersionId><IsLatest>false</IsLatest><Size>1</Size></Version>`,
        ),
    ]
    return [
      200,
      `<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult><Name>${name}</Name><IsTruncated>false</IsTruncated>${entries.join('')}</ListVersionsResult>`,
    ]
  }
}
