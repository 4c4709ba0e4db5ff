import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

/**
 * A self-signed certificate for 127.0.0.1 made with openssl (CI installs it), for real TLS peers on
 * loopback; undefined where openssl is missing, so the caller can skip with a printed reason.
 */
export function selfSignedCertificate(
  subject = '/CN=127.0.0.1',
): undefined | {cert: Buffer; certFile: string; key: Buffer} {
  const directory = mkdtempSync(path.join(tmpdir(), 'tls-'))
  const [keyFile, certFile] = [path.join(directory, 'key.pem'), path.join(directory, 'cert.pem')]
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        subject,
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-days',
        '1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      {stdio: 'ignore'},
    )
  } catch {
    return undefined
  }

  return {cert: readFileSync(certFile), certFile, key: readFileSync(keyFile)}
}
