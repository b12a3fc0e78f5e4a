"""Runs a JavaScript task's tests (`tests/**/*.test.js`, Node's own test
runner `node:test`) against its `src/`, so that the code under test cannot
fake a pass:
  - the source files are read for what ends or hooks the process, loads code
    by a computed name, builds code from strings or reaches the test
    machinery (`process` beyond its environment, `eval`, `Function`, a
    computed `require`, `globalThis[...]`, `node:test`, child processes,
    workers, `vm`, the inspector): listed, and any one fails the run;
  - each test file's `test('…')`/`it('…')` calls are listed from its source,
    and each must be reported passed by name;
  - Node runs every test file in a process of its own, and its runner, in
    the parent process that runs no repository code, reports through a
    reporter written here. The reporter reads a token this process drew,
    from its standard input, before any test file starts, and prints it
    only after the last test finished, on the last line; the verdict needs
    that line and a clean exit.
This process makes itself undumpable first. The verdict is the last line,
`TB-RESULT {json}`.
"""
import glob, json, os, re, shutil, subprocess, sys

# The interpreter runs isolated (no script directory on the path): the shared
# helper ships beside this driver.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tb_harness  # noqa: E402

tb_harness.undumpable()

NODE = "@NODE@"
here = os.path.dirname(os.path.abspath(__file__))
work = os.path.join(os.getcwd(), "repo")
shutil.copytree(os.path.join(here, "repo"), work)
token = "TB-NODE-PASSED-" + os.urandom(16).hex()
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "NODE_OPTIONS": "--max-old-space-size=256"}

MACHINERY = [
    (r"\bprocess\b(?!\s*\.\s*(?:env|platform|version|versions|arch|hrtime|nextTick|cwd)\b)", "reaches the process (exits, hooks, output)"),
    (r"\b(?:globalThis|global|self)\s*\[", "reaches a global by a computed name"),
    (r"\beval\s*\(|\bFunction\s*\(|\bnew\s+Function\b", "builds code from a string"),
    (r"\brequire\s*\(\s*(?!['\"`])|\bimport\s*\(\s*(?!['\"`])|\bModule\s*\.\s*_|\brequire\s*\.\s*cache\b", "loads a module by a computed name"),
    (r"['\"`](?:node:)?(?:test|child_process|worker_threads|vm|cluster|inspector|v8|repl|module)['\"`]", "loads the test runner, a process, a thread or a context"),
    (r"\bconsole\s*(?:\.\s*|\[\s*['\"])assert\b\s*['\"]?\]?\s*=(?!=)", "replaces console.assert"),
    (r"\bdefineProperty\s*\(\s*(?:console|process|globalThis|global|Object\.prototype|Array\.prototype|Error)\b", "redefines a global"),
]

REPORTER = r"""'use strict';
// Runs in the test runner's own process: the repository's code runs in the
// children, and the token never reaches them.
const fs = require('fs');
const path = require('path');
const token = fs.readFileSync(0, 'utf8').trim();
module.exports = async function* tbReporter(source) {
  const results = {};
  for await (const event of source) {
    if (event.type === 'test:stdout' || event.type === 'test:stderr') {
      yield String(event.data.message);
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    if (d.details && d.details.type === 'suite') continue;
    const key = path.relative(process.cwd(), d.file || '') + '::' + d.name;
    const ok = event.type === 'test:pass' && !d.skip && !d.todo;
    results[key] = (key in results ? results[key] : true) && ok;
    if (!ok) {
      const why = d.details && d.details.error ? String((d.details.error.cause || d.details.error).message || d.details.error) : (d.skip ? 'skipped' : 'todo');
      yield 'FAILED: ' + key + ': ' + why.slice(0, 500) + '\n';
    }
  }
  yield '\nTB-NODE ' + JSON.stringify(results) + '\n' + token + '\n';
};
"""


sources = sorted(p for ext in ("js", "cjs", "mjs") for p in glob.glob(os.path.join(work, "src", "**", "*." + ext), recursive=True))
tests = sorted(glob.glob(os.path.join(work, "tests", "**", "*.test.js"), recursive=True))
findings = tb_harness.machinery(sources, work, MACHINERY)

expected = []
for path in tests:
    code = tb_harness.strip_comments(tb_harness.read(path))
    rel = os.path.relpath(path, work)
    for _, name in re.findall(r"(?<![\w.$])(?:test|it)\s*\(\s*(['\"`])((?:\\.|(?!\1).)*)\1", code):
        expected.append(rel + "::" + name)
expected = list(dict.fromkeys(expected))

problems, results = [], {}
reporter = os.path.join(os.getcwd(), "tb_reporter.js")
with open(reporter, "w", encoding="utf-8") as f:
    f.write(REPORTER)
if tests:
    r = subprocess.run([NODE, "--test", "--test-reporter=" + reporter, "--test-reporter-destination=stdout"] +
                       [os.path.relpath(t, work) for t in tests],
                       cwd=work, input=(token + "\n").encode(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENV)
    text = r.stdout.decode("utf-8", "replace")
    print(text.replace(token, "[token]").replace("TB-RESULT", "TB-RESULT(child)"))
    lines = text.rstrip().split("\n")
    if len(lines) < 2 or lines[-1].strip() != token or not lines[-2].startswith("TB-NODE "):
        problems.append("the tests did not run to the end (exit status %d)" % r.returncode)
    else:
        results = json.loads(lines[-2][len("TB-NODE "):])
        if r.returncode != 0 and all(results.get(t) for t in expected):
            problems.append("the test runner exited with status %d" % r.returncode)

tb_harness.verdict(expected, results, problems, findings)
