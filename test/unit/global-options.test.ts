import {strict as assert} from 'node:assert'

import {globalOptionsAfterCommand} from '../../src/console-cli.js'
import {debugEnabled, debugRequest, redactedBody, setVerbosity} from '../../src/debug.js'
import {typedArguments} from '../../src/hooks/command-not-found/console.js'
import {sourceConfig} from '../helpers/source-cli.js'

describe("the console's global options", () => {
  describe('before the command', () => {
    it('moves those typed before the command to just after its words, and leaves the rest as typed', () => {
      const cases: [string[], string[]][] = [
        [
          ['--json', '-vv', '--config-file', '/x.yaml', 'snapshot', 'delete', '--yes'],
          ['snapshot', 'delete', '--json', '-vv', '--config-file', '/x.yaml', '--yes'],
        ],
        [
          ['--force-use-config-file', '--config-file=/x.yaml', '--verbose', 'repo', 'clean'],
          ['repo', 'clean', '--force-use-config-file', '--config-file=/x.yaml', '--verbose'],
        ],
        [
          ['-vvv', 'snapshot', 'verify', '--', '-v'],
          ['snapshot', 'verify', '-vvv', '--', '-v'],
        ],
        [
          ['snapshot', 'delete', '-v'],
          ['snapshot', 'delete', '-v'],
        ],
        // Not one of the console's global options: left where it is (oclif reports it).
        [
          ['--endpoint', 'http://h', 'snapshot', 'verify'],
          ['--endpoint', 'http://h', 'snapshot', 'verify'],
        ],
        // --config-file without its value is not taken as the option.
        [['--config-file'], ['--config-file']],
        [['--json'], ['--json']],
      ]
      for (const [typed, expected] of cases)
        assert.deepEqual(globalOptionsAfterCommand(typed), expected, typed.join(' '))
    })
  })

  describe("handed to the console's own CLI", () => {
    // What bin/run.js gives oclif for `console -v --json backfill status --deep-check`, as oclif splits it.
    const id = 'backfill:status'
    const parsed = ['-v', '--json', '--deep-check']
    const withArgv = async <T>(argv: string[], action: () => Promise<T>): Promise<T> => {
      const saved = process.argv
      process.argv = [saved[0], 'run.js', ...argv]
      try {
        return await action()
      } finally {
        process.argv = saved
      }
    }

    it('stay where they were typed when the command line is what this run parsed', async () => {
      const config = await sourceConfig()
      const typed = ['-v', '--json', 'backfill', 'status', '--deep-check']
      assert.deepEqual(await withArgv(typed, () => typedArguments(config, id, parsed)), typed)
    })

    it("are oclif's words and arguments when a host ran oclif with arguments of its own", async () => {
      const config = await sourceConfig()
      const other = await withArgv(['--reporter', 'spec'], () => typedArguments(config, id, parsed))
      assert.deepEqual(other, ['backfill', 'status', '-v', '--json', '--deep-check'])
    })
  })

  describe('-v and -vv', () => {
    afterEach(() => setVerbosity(0))

    it('-v turns the request log on for every channel, as DEBUG=console:* does; without it DEBUG decides', () => {
      assert.equal(debugEnabled('s3', {}), false)
      assert.equal(debugEnabled('cluster', {DEBUG: 'console:cluster'}), true)
      setVerbosity(1)
      assert.equal(debugEnabled('s3', {}), true)
      assert.equal(debugEnabled('cluster', {}), true)
    })

    it('-vv adds the bodies a caller passes, with every secret-looking field replaced', () => {
      const lines: string[] = []
      const line = {
        durationMs: 3,
        method: 'PUT',
        path: '/_snapshot/r',
        requestBody: {settings: {access_key: 'AKIA-EXAMPLE', bucket: 'b', secret_key: 'hunter2'}, type: 's3'},
        responseBody: '{"acknowledged":true}',
        status: 200,
      }
      setVerbosity(1)
      debugRequest('cluster', line, (text) => lines.push(text))
      assert.deepEqual(lines, ['console:cluster PUT /_snapshot/r 200 3ms\n'], '-v: the request line only')
      setVerbosity(2)
      lines.length = 0
      debugRequest('cluster', line, (text) => lines.push(text))
      assert.equal(lines.length, 3)
      assert.match(
        lines[1],
        /sent {"settings":{"access_key":"<redacted>","bucket":"b","secret_key":"<redacted>"},"type":"s3"}/,
      )
      assert.match(lines[2], /got {2}{"acknowledged":true}/)
      assert.ok(!lines.join('').includes('hunter2') && !lines.join('').includes('AKIA-EXAMPLE'))
    })

    it('shows a body that is not JSON only by its size, and cuts a long one', () => {
      assert.equal(redactedBody('<html>password=x</html>'), '<23 bytes, not JSON: not shown>')
      assert.match(redactedBody({items: 'x'.repeat(5000)}), /… \(\d+ chars\)$/)
    })
  })
})
