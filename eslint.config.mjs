import oclif from 'eslint-config-oclif'
import prettier from 'eslint-config-prettier'

export default [
  {ignores: ['dist/**', 'node_modules/**', 'schemas/**', 'test/fixtures/**']},
  ...oclif,
  prettier,
  {
    rules: {
      // The cluster's and the services file's own field names are snake_case (base_path, wait_for_completion, k8s_secret_name).
      camelcase: 'off',
      // Deletion order, pagination and polling are sequential on purpose; parallel work is explicit where it is safe.
      'no-await-in-loop': 'off',
      // A small helper next to its only caller reads better than one hoisted to module scope.
      'unicorn/consistent-function-scoping': 'off',
      // `new Promise((resolve) => setTimeout(resolve, ms))` is the plain way to wait.
      'no-promise-executor-return': 'off',
      // process.exit is how the pass-through hands on the console CLI's exit code and a second Ctrl-C stops at once.
      'n/no-process-exit': 'off',
      'unicorn/no-process-exit': 'off',
      // TypeScript's return types need the explicit undefined this rule would remove.
      'unicorn/no-useless-undefined': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests name their fixture builders setup(); that is not Mocha's TDD hook.
      'mocha/no-sibling-hooks': 'off',
      'mocha/no-setup-in-describe': 'off',
      // fetch is stable enough in Node 20 for tests that talk to the local engines and fakes.
      'n/no-unsupported-features/node-builtins': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      'no-return-assign': 'off',
      'max-params': 'off',
    },
  },
]
