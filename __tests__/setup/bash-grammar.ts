// Every test may read scripts: load the bash grammar (asynchronous wasm) once before any test runs.
import { bashGrammarReady } from '../../transforms/shell/syntax.js';

await bashGrammarReady;
