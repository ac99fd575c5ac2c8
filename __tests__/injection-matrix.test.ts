/**
 * Matrices: `matrix.X` is untrusted when its values (or the fromJSON source)
 * carry untrusted context; `runs-on: ${{ matrix.X }}` is resolved against a
 * literal matrix in the one shell decision (src/workflow/shell.ts), which
 * strict-shell and the other bash transforms share.
 */
import { modelWorkflow, type Workflow } from '../src/workflow/model.js';
import { stepShell } from '../src/workflow/shell.js';
import { parseYaml } from '../src/yaml.js';
import { fixed, fixText, lines } from './helpers.js';

const ID = ['expression-injection'];

function job(runsOn: string, strategy: string[], ...steps: string[]): string {
  return lines('on: repository_dispatch', 'jobs:', '  build:', `    runs-on: ${runsOn}`, '    strategy:', ...strategy, '    steps:', ...steps);
}

function shellOf(text: string): string {
  const wf = modelWorkflow(parseYaml(text).docs[0]!, text) as Workflow;
  const j = wf.jobs[0]!;
  const c = stepShell(wf, j, j.steps[0]!);
  return `${c.family} ${c.shell}`;
}

const RUN = ['      - run: echo hi'];

describe('runs-on: ${{ matrix.X }} against the matrix', () => {
  test.each([
    [['      matrix:', '        os: [ubuntu-latest, macos-14]'], 'bash bash -e (default)'],
    [['      matrix:', '        os: [ubuntu-latest]', '        include:', '          - os: macos-latest', '            node: 20'], 'bash bash -e (default)'],
    [['      matrix:', '        include:', '          - os: ubuntu-22.04', '          - os: ubuntu-24.04'], 'bash bash -e (default)'],
    [['      matrix:', '        os: [ubuntu-latest, macos-14]', '        exclude:', '          - os: windows-latest'], 'bash bash -e (default)'],
    [['      matrix:', '        os: [windows-2022, windows-latest]'], 'pwsh pwsh (Windows default)'],
    [['      matrix:', '        os: [ubuntu-latest, windows-latest]'], 'unknown unknown (runs-on: ${{ matrix.os }})'],
    [['      matrix:', '        os: [ubuntu-latest]', '        include:', '          - os: windows-latest'], 'unknown unknown (runs-on: ${{ matrix.os }})'],
    [['      matrix:', '        os: ${{ fromJSON(vars.OSES) }}'], 'unknown unknown (runs-on: ${{ matrix.os }})'],
    [['      matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}'], 'unknown unknown (runs-on: ${{ matrix.os }})'],
    [['      matrix:', '        node: [18, 20]'], 'unknown unknown (runs-on: ${{ matrix.os }})'],
  ])('%j -> %s', (strategy, want) => {
    expect(shellOf(job('${{ matrix.os }}', strategy, ...RUN))).toBe(want);
  });

  test('a label list with the matrix value, and a non-matrix expression', () => {
    expect(shellOf(job('[self-hosted, "${{ matrix.os }}"]', ['      matrix:', '        os: [linux-x64, macos-arm]'], ...RUN))).toBe('bash bash -e (default)');
    expect(shellOf(job("${{ matrix['os'] }}", ['      matrix:', '        os: [macos-14]'], ...RUN))).toBe('bash bash -e (default)');
    expect(shellOf(job('${{ inputs.runner }}', ['      matrix:', '        os: [ubuntu-latest]'], ...RUN))).toBe('unknown unknown (runs-on: ${{ inputs.runner }})');
  });

  test('the decision is shared: strict-shell and expression-injection both fix a Linux/macOS matrix job', () => {
    const input = job('${{ matrix.os }}', ['      matrix:', '        os: [ubuntu-latest, macos-14]'],
      '      - run: |', '          echo "${{ github.head_ref }}"', '          npm ci');
    const out = fixText(input);
    expect(out.findings.filter((f) => f.ruleId === 'strict-shell' || f.ruleId === 'expression-injection').map((f) => [f.ruleId, f.fixed])).toEqual([
      ['strict-shell', true], ['expression-injection', true],
    ]);
    const mixed = fixText(job('${{ matrix.os }}', ['      matrix:', '        os: [ubuntu-latest, windows-latest]'],
      '      - run: |', '          echo "${{ github.head_ref }}"', '          npm ci'));
    expect(mixed.findings.find((f) => f.ruleId === 'expression-injection')!.fixable).toBe(false);
  });
});

describe('matrix values as untrusted data', () => {
  const STRATEGY = [
    '      matrix:',
    '        target: ${{ fromJSON(github.event.client_payload.targets) }}',
    '        region: [us-east-1, eu-west-1]',
    '        include:',
    '          - label: ${{ github.event.client_payload.label }}',
    '          - tier: ${{ vars.TIER }}',
  ];

  test('values from fromJSON(github.event.client_payload...) move; static values and trusted sources stay', () => {
    const input = job('ubuntu-latest', STRATEGY,
    '      - run: |',
    '          echo "${{ matrix.target }} ${{ matrix.region }} ${{ matrix.label }} ${{ matrix.tier }}"',
    '          deploy --to ${{ matrix[\'target\'] }}');
    expect(fixed(input, ID)).toBe(job('ubuntu-latest', STRATEGY,
    '      - run: |',
    '          echo "${MATRIX_TARGET} ${{ matrix.region }} ${MATRIX_LABEL} ${{ matrix.tier }}"',
    '          deploy --to "$MATRIX_TARGET"',
    '        env:',
    '          MATRIX_TARGET: ${{ matrix.target }}',
    '          MATRIX_LABEL: ${{ matrix.label }}'));
  });

  test('a whole matrix from job outputs: every matrix.X is untrusted; from vars: trusted', () => {
    const dyn = job('ubuntu-latest', ['      matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}'], '      - run: echo ${{ matrix.stack }}');
    expect(fixText(dyn, ID).findings.map((f) => f.message)).toEqual([
      "step '0' pastes ${{ matrix.stack }} into its run: script, where the value becomes shell code; pass it through env:",
    ]);
    const trusted = job('ubuntu-latest', ['      matrix: ${{ fromJSON(vars.MATRIX) }}'], '      - run: echo ${{ matrix.stack }}');
    expect(fixText(trusted, ID).findings).toEqual([]);
  });
});
