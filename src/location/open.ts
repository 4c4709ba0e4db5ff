import type {RepositoryBody} from '../cluster/snapshots.js'
import type {RepositoryStorage, S3Storage} from '../services/model.js'
import type {Location, LocationRecord, Neighbour, ReadableLocation} from './files.js'

import {endpointUrl, type S3Clients} from '../store/s3.js'
import {FsLocation} from './fs-location.js'
import {UnsupportedLocationError} from './refusals.js'
import {S3Location} from './s3-location.js'

/** A registration of a type this plugin cannot read: it can say where (a gcs repository) and nothing more. */
class UnsupportedLocation implements Location {
  readonly facts = {}

  constructor(readonly type: string) {}

  child(): Location {
    throw new UnsupportedLocationError(this.type)
  }

  describe(): string {
    return `a ${this.type} repository`
  }

  async identity(): Promise<undefined> {
    return undefined
  }

  open(): never {
    throw new UnsupportedLocationError(this.type)
  }

  record(): never {
    throw new UnsupportedLocationError(this.type)
  }

  registrationBody(): never {
    throw new UnsupportedLocationError(this.type)
  }
}

/**
 * Elasticsearch's source-only repository writes the same layout into its delegate (`delegate_type: s3` or `fs`
 * with the delegate's own settings): for the neighbours' protection it is placed where its delegate writes.
 */
function asDelegate(body: RepositoryBody): RepositoryBody {
  const delegate = body.settings?.delegate_type
  return body.type === 'source' && (delegate === 's3' || delegate === 'fs') ? {...body, type: delegate} : body
}

/**
 * Every location is built here, and only here a storage kind is read: from the services file or the flags, from
 * a registration the cluster describes, from a journal record. The run's S3 clients are handed to this factory
 * alone; a location's files reach its bucket through them.
 */
export class Locations {
  constructor(private readonly clients: S3Clients) {}

  /** Where every other registered repository keeps its files: nothing there is ever deleted on behalf of `name`. */
  async neighbours(
    name: string,
    registrations: Record<string, RepositoryBody>,
    fallback: Partial<S3Storage> | undefined,
    pathRepo: () => Promise<string[] | undefined>,
  ): Promise<Neighbour[]> {
    const found: Neighbour[] = []
    for (const [other, body] of Object.entries(registrations)) {
      if (other === name) continue
      const identity = await this.ofRegistration(asDelegate(body), fallback).identity(other, pathRepo)
      if (identity) found.push({identity, name: other})
    }

    return found
  }

  /** A location as the services file or the flags give it. */
  of(storage: RepositoryStorage): ReadableLocation {
    return storage.kind === 's3' ? new S3Location(storage, this.clients) : new FsLocation(storage.path)
  }

  /** A journal record's location (read by `repo clean` to finish what a run left). */
  ofRecord(record: LocationRecord): Location {
    if (record.kind === 'fs') return new FsLocation(record.location)
    const {bucket, endpoint, prefix, region} = record
    return this.of({basePath: prefix, bucket, endpoint, kind: 's3', region: region ?? 'us-east-1'})
  }

  /**
   * Where a registered repository keeps its files; region and endpoint fall back to the services file. The base
   * path is kept exactly as registered (a leading slash is part of every key the cluster writes).
   */
  ofRegistration(body: RepositoryBody, fallback: Partial<S3Storage> = {}, env = process.env): Location {
    const settings = body.settings ?? {}
    if (body.type === 'fs') return new FsLocation(String(settings.location ?? ''))
    if (body.type !== 's3' || typeof settings.bucket !== 'string' || settings.bucket === '')
      return new UnsupportedLocation(String(body.type))
    const region = settings.region ?? fallback.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'
    return this.of({
      basePath: String(settings.base_path ?? ''),
      bucket: settings.bucket,
      // A registration's endpoint without a scheme takes its protocol setting, as the nodes read it.
      endpoint: settings.endpoint ? endpointUrl(String(settings.endpoint), settings.protocol) : fallback.endpoint,
      kind: 's3',
      region: String(region),
      roleArn: settings.role_arn ? String(settings.role_arn) : undefined,
    })
  }
}
