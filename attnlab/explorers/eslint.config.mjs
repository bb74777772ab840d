// ESLint's flat config for the explorers' scripts (not shipped with the package):
//   npx --yes eslint@9 --config attnlab/explorers/eslint.config.mjs attnlab/explorers
// Each script is inlined into a function that attnlab/explorer.py writes around it,
// so they are plain browser scripts that name their outside variables (`root`,
// `data`) in a `/* global */` comment. The rules are chosen from ESLint's recommended
// set, written out so that the config imports nothing.
export default [
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2015,
      sourceType: "script",
      globals: {
        document: "readonly", performance: "readonly", Event: "readonly",
        MutationObserver: "readonly",
      },
    },
    rules: {
      "no-undef": "error",
      "no-unused-vars": "error",
      "no-redeclare": "error",
      "no-shadow": "error",
      "no-dupe-keys": "error",
      "no-unreachable": "error",
      "no-unsafe-negation": "error",
      "no-self-assign": "error",
      "no-fallthrough": "error",
      "use-isnan": "error",
      "valid-typeof": "error",
      eqeqeq: "error",
      curly: ["error", "multi-line"],
    },
  },
];
