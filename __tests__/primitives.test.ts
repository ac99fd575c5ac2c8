/** Edit primitives and byte conventions: exact text in, exact text out. */
import { applyEdits } from '../src/workflow/edits.js';
import { insertItems, insertPairs, prependToBlockScalar, removePair, setScalar } from '../src/workflow/primitives.js';
import { decodeSource, encodeSource } from '../src/workflow/source.js';
import { getNode, parseYaml, type YAMLMap, type YAMLSeq } from '../src/yaml.js';
import { offsetInOriginal } from '../src/workflow/engine.js';
import { fixed, fixText, lines } from './helpers.js';

function doc(text: string) {
  return parseYaml(text).docs[0]!;
}

function mapAt(text: string, ...path: (string | number)[]): YAMLMap {
  return doc(text).getIn(path, true) as YAMLMap;
}

describe('insertPairs', () => {
  test('block mapping: new keys at the keys column, after the last pair, comments kept', () => {
    const text = lines('with:', '    a: 1 # keep me', '    # trailing note', 'other: 2');
    const map = mapAt(text, 'with');
    expect(applyEdits(text, insertPairs(text, map, { b: 'x y', c: true }, 2))).toBe(
      lines('with:', '    a: 1 # keep me', '    b: x y', '    c: true', '    # trailing note', 'other: 2'),
    );
  });

  test('after a given key, including a multi-line value', () => {
    const text = lines('job:', '  run: |', '    echo hi', '  env:', '    A: 1');
    const map = mapAt(text, 'job');
    expect(applyEdits(text, insertPairs(text, map, { id: 'x' }, 2, { after: 'run' }))).toBe(
      lines('job:', '  run: |', '    echo hi', '  id: x', '  env:', '    A: 1'),
    );
  });

  test('flow mapping: `, key: value` before the brace', () => {
    const text = lines('permissions: { contents: read }');
    const map = mapAt(text, 'permissions');
    expect(applyEdits(text, insertPairs(text, map, { 'id-token': 'write' }, 2))).toBe(lines('permissions: { contents: read, id-token: write }'));
  });

  test('flow mapping: values with flow indicators (an expression) are quoted', () => {
    const text = lines('env: { A: b }');
    const map = mapAt(text, 'env');
    expect(applyEdits(text, insertPairs(text, map, { X: '${{ github.actor }}', Y: 'a,b' }, 2))).toBe(
      lines('env: { A: b, X: "${{ github.actor }}", Y: "a,b" }'),
    );
  });

  test('nested values render as blocks; values needing quotes are quoted', () => {
    const text = lines('a:', '  b: 1');
    const map = mapAt(text, 'a');
    expect(applyEdits(text, insertPairs(text, map, { env: { X: 'a: b', Y: '${{ env.Z }}' } }, 2))).toBe(
      lines('a:', '  b: 1', '  env:', '    X: "a: b"', '    Y: ${{ env.Z }}'),
    );
  });

  test('the last line without a final newline stays without one', () => {
    const text = 'with:\n  a: 1';
    const map = mapAt(text, 'with');
    expect(applyEdits(text, insertPairs(text, map, { b: 2 }, 2))).toBe('with:\n  a: 1\n  b: 2');
  });
});

describe('removePair', () => {
  test('removes the lines of a block pair and keeps neighbours and comments', () => {
    const text = lines('with:', '  # about a', '  a: 1', '  b: |', '    multi', '    line', '  c: 3');
    const map = mapAt(text, 'with');
    expect(applyEdits(text, removePair(text, map, 'b'))).toBe(lines('with:', '  # about a', '  a: 1', '  c: 3'));
  });

  test('removes a flow pair with its comma', () => {
    const text = lines('env: { A: 1, B: 2, C: 3 }');
    const map = mapAt(text, 'env');
    expect(applyEdits(text, removePair(text, map, 'B'))).toBe(lines('env: { A: 1, C: 3 }'));
    expect(applyEdits(text, removePair(text, map, 'C'))).toBe(lines('env: { A: 1, B: 2 }'));
  });

  test('last pair of a file without a final newline', () => {
    const text = 'env:\n  A: 1\n  B: 2';
    expect(applyEdits(text, removePair(text, mapAt(text, 'env'), 'B'))).toBe('env:\n  A: 1');
  });
});

describe('setScalar', () => {
  test('replaces a quoted scalar with a plain one when it can be plain', () => {
    const text = lines('a:', "  k: 'old' # c");
    expect(applyEdits(text, setScalar(text, mapAt(text, 'a'), 'k', 'new', 2))).toBe(lines('a:', '  k: new # c'));
  });
});

describe('insertItems', () => {
  const step = { name: 'new', run: 'echo 1\necho 2\n' };

  test.each([
    ['2-space indented sequence', 'steps:\n  - name: a\n    run: x\n', 'steps:\n  - name: a\n    run: x\n  - name: new\n    run: |\n      echo 1\n      echo 2\n'],
    ['4-space indented sequence', 'steps:\n    -   name: a\n        run: x\n', 'steps:\n    -   name: a\n        run: x\n    -   name: new\n        run: |\n          echo 1\n          echo 2\n'],
    ['unindented sequence', 'steps:\n- name: a\n  run: x\n', 'steps:\n- name: a\n  run: x\n- name: new\n  run: |\n    echo 1\n    echo 2\n'],
  ])('%s: appends with the same dash and content columns', (_, text, want) => {
    const seq = getNode(doc(text).contents, 'steps') as YAMLSeq;
    expect(applyEdits(text, insertItems(text, seq, 1, [step], 2))).toBe(want);
  });

  test('inserting before the first item, blank-line separation kept', () => {
    const text = lines('steps:', '  - name: a', '', '  - name: b');
    const seq = getNode(doc(text).contents, 'steps') as YAMLSeq;
    expect(applyEdits(text, insertItems(text, seq, 0, [{ name: 'new' }], 2))).toBe(lines('steps:', '  - name: new', '', '  - name: a', '', '  - name: b'));
    expect(applyEdits(text, insertItems(text, seq, 1, [{ name: 'new' }], 2))).toBe(lines('steps:', '  - name: a', '', '  - name: new', '', '  - name: b'));
  });
});

describe('prependToBlockScalar', () => {
  test('adds a first line at the content indentation', () => {
    const text = lines('run: |', '    echo a', '    echo b');
    const node = getNode(doc(text).contents, 'run')!;
    expect(applyEdits(text, [prependToBlockScalar(text, node, 'set -e')])).toBe(lines('run: |', '    set -e', '    echo a', '    echo b'));
  });
});

describe('source encoding', () => {
  test('BOM and CRLF round-trip byte-exact', () => {
    const raw = '\uFEFFa: 1\r\nb: 2\r\n';
    const src = decodeSource(raw);
    expect(src).toEqual({ text: 'a: 1\nb: 2\n', bom: true, crlf: true });
    expect(encodeSource(src, src.text)).toBe(raw);
  });

  test('mixed line endings are left as they are', () => {
    const raw = 'a: 1\r\nb: 2\n';
    const src = decodeSource(raw);
    expect(src.crlf).toBe(false);
    expect(encodeSource(src, src.text)).toBe(raw);
  });
});

describe('whole-file conventions through a real fix', () => {
  const input = lines(
    'on: push',
    'jobs:',
    '  d:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: aws-actions/configure-aws-credentials@v4 # pinned by policy',
    '        with:',
    "          aws-access-key-id: '${{ secrets.K }}'",
    '          aws-secret-access-key: "${{ secrets.S }}"',
    "          aws-region: 'us-east-1'",
  );
  const expected = lines(
    'on: push',
    'jobs:',
    '  d:',
    '    runs-on: ubuntu-latest',
    '    permissions:',
    '      id-token: write',
    '      contents: read',
    '    steps:',
    '      - uses: aws-actions/configure-aws-credentials@v4 # pinned by policy',
    '        with:',
    "          aws-region: 'us-east-1'",
    '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}',
    '          role-session-name: GitHubActions-d',
  );

  test('LF', () => expect(fixed(input, ['oidc-auth'])).toBe(expected));
  test('CRLF in, CRLF out', () => expect(fixed(input.replace(/\n/g, '\r\n'), ['oidc-auth'])).toBe(expected.replace(/\n/g, '\r\n')));
  test('BOM kept', () => expect(fixed('\uFEFF' + input, ['oidc-auth'])).toBe('\uFEFF' + expected));
  test('no final newline stays so', () => expect(fixed(input.slice(0, -1), ['oidc-auth'])).toBe(expected.slice(0, -1)));
  test('4-space indentation is followed', () => {
    const four = lines(
      'on: push',
      'jobs:',
      '    d:',
      '        runs-on: ubuntu-latest',
      '        steps:',
      '            - uses: aws-actions/configure-aws-credentials@v4',
      '              with:',
      '                  aws-access-key-id: ${{ secrets.K }}',
      '                  aws-secret-access-key: ${{ secrets.S }}',
      '                  aws-region: us-east-1',
    );
    expect(fixed(four, ['oidc-auth'])).toBe(lines(
      'on: push',
      'jobs:',
      '    d:',
      '        runs-on: ubuntu-latest',
      '        permissions:',
      '            id-token: write',
      '            contents: read',
      '        steps:',
      '            - uses: aws-actions/configure-aws-credentials@v4',
      '              with:',
      '                  aws-region: us-east-1',
      '                  role-to-assume: ${{ vars.AWS_ROLE_ARN }}',
      '                  role-session-name: GitHubActions-d',
    ));
  });
  test('a file with nothing to fix is byte-identical', () => {
    const clean = '# c\r\non: push\r\njobs: {}\r\n';
    expect(fixed(clean)).toBe(clean);
  });
});

describe('finding positions refer to the file as the user has it', () => {
  test('offsetInOriginal maps through inserted and replaced text', () => {
    // "abcdef" -> insert "XY" at 2, replace "e" (4..5) with "QQQ" -> "abXYcdQQQf"
    const batches = [[{ start: 2, end: 2, text: 'XY' }, { start: 4, end: 5, text: 'QQQ' }]];
    expect([0, 2, 3, 4, 5, 6, 8, 9].map((o) => offsetInOriginal(batches, o))).toEqual([0, 2, 2, 2, 3, 4, 4, 5]);
    // A second batch on the result composes.
    const two = [...batches, [{ start: 0, end: 0, text: '>>' }]];
    expect(offsetInOriginal(two, 2 + 9)).toBe(5);
  });

  test('a later transform reports lines of the original file, not of the partly fixed text', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: npx cdk deploy --all',
      '      - run: echo "${{ github.head_ref }}"',
    );
    const out = fixText(input, ['deploy-retry', 'expression-injection']);
    expect(out.status).toBe('changed');
    expect(out.findings.map((f) => [f.ruleId, f.line])).toEqual([['deploy-retry', 6], ['expression-injection', 7]]);
  });
});
