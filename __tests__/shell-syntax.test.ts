import { analyseScript } from '../transforms/shell/syntax.js';
import { assignedBefore, type ScriptFacts } from '../transforms/shell/script.js';

const words = (f: ScriptFacts) => f.commands.map((c) => c.words.map((w) => f.script.slice(w.start, w.end)).join(' '));
const kinds = (f: ScriptFacts, cmd: string) => f.commands.find((c) => c.words[0]?.text === cmd)!.frames.map((x) => x.kind);
const ctxAt = (script: string, needle: string) => { const f = analyseScript(script); return f.contextAt(script.indexOf(needle)); };

describe('shell syntax (tree-sitter-bash)', () => {
  test.each([
    ['a && npx cdk deploy "$X" | tee log', ['a', 'npx cdk deploy "$X"', 'tee log']],
    ['(cd infra; cdk deploy --all) || exit 1', ['cd infra', 'cdk deploy --all', 'exit 1']],
    ['if [ -n "$A" ]; then cdk deploy; fi', ['cdk deploy']],
    ['for s in a b; do cdk deploy "$s"; done', ['cdk deploy "$s"']],
    ['f() { cdk deploy "$@"; }\nf x', ['cdk deploy "$@"', 'f x']],
    ['cat <<EOF | grep x && cdk deploy\nbody\nEOF', ['cat', 'grep x', 'cdk deploy']],
    ['out=$(cdk deploy --json)', ['cdk deploy --json']],
    ['A=1 cdk deploy 2>&1 > log', ['cdk deploy']],
    ['echo `cdk deploy`', ['cdk deploy', 'echo `cdk deploy`']],
  ])('commands of %j', (script, expected) => {
    expect(words(analyseScript(script))).toEqual(expected);
  });

  test('frames around commands', () => {
    const f = analyseScript('while true; do\n  a | cdk deploy\ndone\nretry() { (x); }');
    expect(kinds(f, 'cdk')).toEqual(['loop', 'do', 'pipe']);
    expect(kinds(f, 'x')).toEqual(['func', 'subshell']);
    expect(f.frames.find((x) => x.kind === 'func')!.name).toBe('retry');
  });

  test('variable reads: plain, safe forms, specials', () => {
    const f = analyseScript('echo $A "${B:-}" ${C-x} ${D:?} ${#E} ${F%%.*} $1 $! $@ ${G[0]} $(( H + 1 ))');
    expect(f.reads.map((r) => `${r.name}:${r.safe}`)).toEqual(['A:false', 'B:true', 'C:true', 'D:true', 'E:false', 'F:false', '1:false', '!:false', 'G:false', 'H:false']);
    expect(analyseScript('echo ${!ref}').opaque.map((o) => o.reason)).toEqual(['uses indirect expansion ${!ref}']);
    expect(analyseScript('unset X; eval "$y"; . ./env.sh').opaque.map((o) => o.reason)).toEqual(['unsets X', 'uses eval', 'sources ./env.sh, which may read unset variables']);
  });

  test('assignments and whether they always happen', () => {
    const f = analyseScript('a=1\nb=2 && c=3\nd=4 | cat\nexport E=5\nread -r F G\nfor i in x; do :; done\nif x; then h=1; else h=2; fi\n(( k = 1 ))\ne=6 &');
    expect(f.assigns.map((a) => `${a.name}:${a.definite}`)).toEqual([
      'a:true', 'b:true', 'c:false', 'd:false', 'E:true', 'F:true', 'G:true', 'i:true', 'h:true', 'h:true', 'h:true', 'k:true', 'e:false',
    ]);
    expect(f.backgrounds).toEqual([f.script.lastIndexOf('&')]);
    const g = analyseScript('x=1\necho "$x"\n(y=1)\necho "$y"\nprintf a | while read -r l; do echo "$l"; done\necho "$l"');
    expect(g.reads.map((r) => `${r.name}:${assignedBefore(g, r)}`)).toEqual(['x:true', 'y:false', 'l:true', 'l:false']);
  });

  test.each([
    ['echo ${{ a }}', 'none'],
    ['echo "${{ a }}"', 'double'],
    ["echo '${{ a }}'", 'single'],
    ["echo $'${{ a }}'", 'ansi'],
    ['echo x # ${{ a }}', 'comment'],
    ['cat <<EOF\n${{ a }}\nEOF', 'heredoc'],
    ["cat <<'EOF'\n${{ a }}\nEOF", 'heredoc-literal'],
    ['cat <<-"EOF"\n\t${{ a }}\n\tEOF', 'heredoc-literal'],
    ['echo "${X:-${{ a }}}"', 'param-double'],
    ['echo `x ${{ a }}`', 'backtick'],
    ['echo "$(x ${{ a }})"', 'none'],
    ['echo $(( ${{ a }} + 1 ))', 'arith'],
  ])('quoting context of the ${{ }} in %j: %s', (script, ctx) => {
    expect(ctxAt(script, '${{')).toBe(ctx);
  });

  test('an ERROR node becomes "bash grammar could not parse line N"', () => {
    expect(analyseScript('echo ok\nif then fi\n').problems).toEqual(['bash grammar could not parse line 2']);
    expect(analyseScript('echo ok\necho fine\n').problems).toEqual([]);
  });

  test('a ${{ }} expression never reads as shell', () => {
    const f = analyseScript('echo ${{ github.event.x }} ${{ a }}${{ b }}');
    expect(f.problems).toEqual([]);
    expect(f.reads).toEqual([]);
    expect(f.expressions.map((e) => e.text)).toEqual(['${{ github.event.x }}', '${{ a }}', '${{ b }}']);
  });
});
