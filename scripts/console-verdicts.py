#!/usr/bin/env python3
"""What the migration console itself does with each services file the unit suite feeds the plugin.

Loads every file with the console's own `Environment` (console_link from an opensearch-migrations
checkout, PyYAML's safe_load as the console calls it) and writes what it accepts or refuses, and what
it reads from the sections this plugin uses, into test/fixtures/services/console/*verdicts.json.

    python3 scripts/console-verdicts.py /path/to/opensearch-migrations
    (needs the console's packages: cerberus pyyaml requests boto3 click kubernetes pydantic rich ...)
"""
import json
import logging
import os
import subprocess
import sys

logging.disable(logging.CRITICAL)
# Some sections make AWS clients while loading; a region lets them, without calling AWS.
os.environ.setdefault('AWS_DEFAULT_REGION', 'us-east-1')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, 'test', 'fixtures', 'services', 'console')
# The sections this plugin reads; the rest (backfill, replay, kafka, ...) it accepts without looking.
READ_SECTIONS = ('source_cluster', 'source', 'snapshot', 'client_options')


def verdict(load):
    from console_link.environment import Environment
    try:
        # As Environment(config_file=...) does after yaml.safe_load: None (an empty file) becomes {}.
        env = Environment(config=load() or {})
    except BaseException as error:  # the console refuses the file (any exception ends its command)
        return {'ok': False, 'error': f'{type(error).__name__}: {error}'[:160]}
    source, snapshot = env.source_cluster, env.snapshot
    return {
        'ok': True,
        'source': None if source is None else {
            'endpoint': source.endpoint,
            'allowInsecure': source.allow_insecure,
            'auth': source.auth_type.name if source.auth_type else None,
        },
        'snapshot': None if snapshot is None else {
            'kind': type(snapshot).__name__,
            'snapshotName': snapshot.snapshot_name,
            'repositoryName': snapshot.snapshot_repo_name,
        },
        'userAgentExtra': env.client_options.user_agent_extra if env.client_options else None,
    }


def main():
    checkout = sys.argv[1]
    sys.path.insert(0, os.path.join(checkout, 'migrationConsole', 'lib', 'console_link'))
    import yaml

    files = {}
    for name in sorted(os.listdir(FIXTURES)):
        if name.endswith(('.yaml', '.json')) and 'verdicts' not in name:
            with open(os.path.join(FIXTURES, name)) as f:
                text = f.read()
            def read_sections(text=text):
                data = yaml.safe_load(text)
                return {k: v for k, v in (data or {}).items() if k in READ_SECTIONS}
            files[name] = {'whole': verdict(lambda text=text: yaml.safe_load(text)), 'readSections': verdict(read_sections)}
    with open(os.path.join(FIXTURES, 'file-verdicts.json'), 'w') as f:
        json.dump(files, f, indent=1, sort_keys=True)
        f.write('\n')

    cases = json.loads(subprocess.run(
        ['npx', 'tsx', 'test/helpers/services-cases.ts', '/dev/stdout'], cwd=ROOT, check=True,
        capture_output=True, text=True).stdout)
    fields = {case['id']: verdict(lambda case=case: yaml.safe_load(case['text'])) for case in cases['cases']}
    with open(os.path.join(FIXTURES, 'field-verdicts.json'), 'w') as f:
        json.dump(fields, f, indent=0, sort_keys=True)
        f.write('\n')
    print(f'{len(files)} files, {len(fields)} field cases')


if __name__ == '__main__':
    main()
