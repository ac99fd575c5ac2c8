import { ExpressionSyntaxError, findExpressions, lexExpression, nameWords, normalisedBody, parseExpression, references } from '../transforms/shell/expr-lexer.js';
import { classifyExpression, envNameFor, isUntrustedText } from '../transforms/shell/expressions.js';

const refs = (body: string) => references(parseExpression(body)).map((r) => r.join('.'));

describe('expr-lexer: findExpressions', () => {
  test.each([
    ['echo ${{ github.ref }} x', ['${{ github.ref }}']],
    ["a ${{ format('}}{0}', github.ref) }} b", ["${{ format('}}{0}', github.ref) }}"]],
    ["${{ 'it''s }}' }}", ["${{ 'it''s }}' }}"]],
    ['${{\n  github.event.comment.body\n}} and ${{ inputs.x }}', ['${{\n  github.event.comment.body\n}}', '${{ inputs.x }}']],
    ['no close ${{ github.ref', []],
    ['$ {{ not }} ${ { no } }', []],
  ])('%j', (text, want) => {
    expect(findExpressions(text).map((e) => e.text)).toEqual(want);
  });

  test('offsets and the multi-line flag', () => {
    const [e] = findExpressions('ab${{\n x }}');
    expect(e).toEqual({ start: 2, end: 11, text: '${{\n x }}', multiLine: true });
  });
});

describe('expr-lexer: tokens and trees', () => {
  test('tokens: strings with quotes and }}, numbers, operators, dashed names', () => {
    expect(lexExpression("steps.my-step.outputs['a b'] != 'x''}}' && -1.5 >= 0x1F")).toEqual([
      { kind: 'ident', text: 'steps', at: 0 }, { kind: 'punct', text: '.', at: 5 }, { kind: 'ident', text: 'my-step', at: 6 },
      { kind: 'punct', text: '.', at: 13 }, { kind: 'ident', text: 'outputs', at: 14 }, { kind: 'punct', text: '[', at: 21 },
      { kind: 'string', value: 'a b', at: 22 }, { kind: 'punct', text: ']', at: 27 }, { kind: 'punct', text: '!=', at: 29 },
      { kind: 'string', value: "x'}}", at: 32 }, { kind: 'punct', text: '&&', at: 40 }, { kind: 'number', text: '-1.5', at: 43 },
      { kind: 'punct', text: '>=', at: 48 }, { kind: 'number', text: '0x1F', at: 51 },
    ]);
  });

  test.each([
    ['github.event.issue.title', ['github.event.issue.title']],
    ["github['event']['issue']['title']", ['github.event.issue.title']],
    ["github['head_ref']", ['github.head_ref']],
    ['github.event.commits.*.message', ['github.event.commits.*.message']],
    ["format('{0} {1}', github.actor, inputs.who)", ['github.actor', 'inputs.who']],
    ['toJSON(github.event)', ['github.event']],
    ['fromJSON(steps.runs.outputs.data).workflow_runs[0].id', ['steps.runs.outputs.data']],
    ['github.event[inputs.key].x', ['github.event.*.x', 'inputs.key']],
    ["!(steps.a.outcome == 'success') || needs.b.result", ['steps.a.outcome', 'needs.b.result']],
    ["hashFiles('**/package-lock.json')", []],
    ["'github.ref' == true", []],
  ])('references of %s', (body, want) => {
    expect(refs(body)).toEqual(want);
  });

  test.each([
    ['github.event.pull_request.number', 'GITHUB_EVENT_PULL_REQUEST_NUMBER'],
    ['github.event.pull_request.number || github.event.issue.number', 'GITHUB_EVENT_PULL_REQUEST_NUMBER_ISSUE_NUMBER'],
    ['fromJSON(steps.runs.outputs.data).workflow_runs[0].id', 'STEPS_RUNS_OUTPUTS_DATA_WORKFLOW_RUNS_0_ID'],
    ["github['event']['issue']['title']", 'GITHUB_EVENT_ISSUE_TITLE'],
    ["steps.my-step.outputs['image-uri']", 'STEPS_MY_STEP_OUTPUTS_IMAGE_URI'],
    ["format('{0}', inputs.name)", 'INPUTS_NAME'],
  ])('env name of %s is %s', (body, name) => {
    expect(envNameFor(parseExpression(body))).toBe(name);
    expect(nameWords(parseExpression(body)).length).toBeGreaterThan(0);
  });

  test.each([
    'github.',
    "'open",
    'a b',
    'format(github.ref',
    'github[0',
    '#',
  ])('syntax errors are thrown, not guessed: %j', (body) => {
    expect(() => parseExpression(body)).toThrow(ExpressionSyntaxError);
  });

  test('normalised bodies compare token by token, string literals exactly', () => {
    expect(normalisedBody('${{  github.ref   }}')).toBe(normalisedBody('${{github.ref}}'));
    expect(normalisedBody("${{ format('a  b', x) }}")).not.toBe(normalisedBody("${{ format('a b', x) }}"));
  });
});

describe('expressions: classification', () => {
  test.each([
    ['${{ github.head_ref }}', { kind: 'move', name: 'GITHUB_HEAD_REF', runnerVariable: 'GITHUB_HEAD_REF' }],
    ["${{ github['actor'] }}", { kind: 'move', name: 'GITHUB_ACTOR', runnerVariable: 'GITHUB_ACTOR' }],
    ['${{ github.workspace }}', { kind: 'move', name: 'GITHUB_WORKSPACE', runnerVariable: undefined }],
    ['${{ github.event.issue.title }}', { kind: 'move', name: 'GITHUB_EVENT_ISSUE_TITLE', runnerVariable: undefined }],
    ["${{ env['FOO'] }}", { kind: 'env', name: 'FOO' }],
    ['${{ env.FOO || inputs.x }}', { kind: 'move', name: 'ENV_FOO_INPUTS_X', runnerVariable: undefined }],
    ["${{ 'github.ref' }}", { kind: 'leave' }],
    ['${{ steps.a.outcome }}', { kind: 'leave' }],
    ['${{ matrix.os }}', { kind: 'leave' }],
    ['${{ vars.X }} ', { kind: 'leave' }],
  ])('%s', (text, want) => {
    expect(classifyExpression(text.trim())).toEqual(want);
  });

  test('matrix values follow the job predicate; unreadable untrusted text is reported', () => {
    expect(classifyExpression('${{ matrix.v }}', (k) => k === 'v')).toEqual({ kind: 'move', name: 'MATRIX_V', runnerVariable: undefined });
    expect(classifyExpression('${{ matrix.w }}', (k) => k === 'v')).toEqual({ kind: 'leave' });
    expect(classifyExpression('${{ github.event.[x }}').kind).toBe('unreadable');
    expect(isUntrustedText('${{ fromJSON(github.event.client_payload.m) }}')).toBe(true);
    expect(isUntrustedText('${{ fromJSON(vars.MATRIX) }}')).toBe(false);
  });
});
