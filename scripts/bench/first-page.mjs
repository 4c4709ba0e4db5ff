// Preloaded (node --import) into a bench run: prints, once, the wall-clock time at which the first
// ListObjectsV2 / ListObjectVersions page answered, so the bench can tell the fixed cost before it.
import diagnosticsChannel from 'node:diagnostics_channel'

let told = false
diagnosticsChannel.subscribe('http.client.response.finish', ({request}) => {
  if (told || !/[?&](list-type=2|versions)/.test(request.path)) return
  told = true
  process.stderr.write(`bench:first-listing-page ${Date.now()}\n`)
})
