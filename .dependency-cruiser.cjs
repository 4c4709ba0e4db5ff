/**
 * The floors of the house, from the ground up. A module may import its own floor (without a cycle) and any floor
 * below it, never one above. `npm test` checks these rules (npm run check:layers).
 */
const FLOORS = [
  // What everything shares, importing nothing of the domain.
  {name: 'ground', path: '^src/(exit-codes|errors|names|debug|user-agent|journal|prompts|consent|console-cli|plugin-commands|format|verify-names)\\.ts$'},
  {name: 'services file', path: '^src/services/'},
  {name: 'cluster client', path: '^src/cluster/'},
  // Transport: S3 and filesystem access, pacing, batches, the bucket's own configuration; nothing of snapshots.
  {name: 'store (transport)', path: '^src/store/'},
  // Pure readers of what the engines write (index-N, shard snapshots, blob format, SMILE) and the layout's names.
  {name: 'snapshot-format (what the engines write)', path: '^src/snapshot-format/'},
  // The one place that reads a storage kind: identity, description, overlap, registration, journal record, files.
  {name: 'location (where a repository is, and its files)', path: '^src/location/'},
  {name: 'diagnoses', path: '^src/diagnose/'},
  {name: 'backfill (the deployed reader, per release)', path: '^src/backfill/'},
  {name: 'steps runner and report', path: '^src/steps/'},
  {name: 'repository (delete, clean)', path: '^src/repository/'},
  {name: 'verify', path: '^src/verify/'},
  {name: 'JSON contract and rendering', path: '^src/(json-contract\\.ts|render/)'},
  {name: 'base command, help, hooks', path: '^src/(base-command|session|help)\\.ts$|^src/hooks/'},
  {name: 'commands', path: '^src/commands/'},
]

const upward = FLOORS.slice(0, -1).map((floor, index) => ({
  comment: `${floor.name} imports only its own floor and those below it`,
  from: {path: floor.path},
  name: `no-upward-import-from-${floor.name.split(' ')[0]}`,
  severity: 'error',
  to: {path: FLOORS.slice(index + 1).map((above) => above.path)},
}))

module.exports = {
  forbidden: [
    {
      comment: 'no import cycle, not even of types',
      from: {path: '^src/'},
      name: 'no-circular',
      severity: 'error',
      to: {circular: true},
    },
    {
      comment: 'every file of src/ stands on a floor (add new folders to FLOORS)',
      from: {path: '^src/', pathNot: FLOORS.map((floor) => floor.path)},
      name: 'on-a-floor',
      severity: 'error',
      to: {},
    },
    ...upward,
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    moduleSystems: ['es6'],
    tsConfig: {fileName: 'tsconfig.json'},
    tsPreCompilationDeps: true,
  },
}
