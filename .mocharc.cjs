// Mocha appends the files named on its command line to a configured spec, so
// `npx mocha test/core/api.test.ts` would run the whole suite: the glob applies only when no
// test file is named.
const namesFiles = process.argv.slice(2).some((arg) => /\.test\.ts$/.test(arg) || /^test\//.test(arg));

module.exports = {
  'node-option': ['import=tsx'],
  extension: ['ts'],
  spec: namesFiles ? [] : ['test/**/*.test.ts'],
  timeout: 60000,
  reporter: 'spec',
  exit: true,
};
