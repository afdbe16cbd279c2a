// Runs before every test file (jest `setupFiles`); keeps `npm test` to results and failures.
//
// 1. The AWS SDK warns once per process that its releases after January 2027 need Node.js 22; the
//    warning says nothing about the code under test, so it is turned off with the SDK's own
//    switch, for the test processes and the processes they start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// 2. With the feature flag @aws-cdk/core:annotationsInValidationReport (cdk.json), every synthesis
//    of a stack with a warning prints a validation report to stderr: a copy of the annotations,
//    which the tests assert with Annotations.fromStack(...).hasWarning. Reports with warnings only
//    are dropped; a report with an error, and everything else, still prints.
const printError = console.error.bind(console);
console.error = (...args) => {
  const text = args.map(String).join(' ');
  if (text.includes('A copy of this report can be found in:') && !/^\s*ERROR\b/m.test(text)) return;
  printError(...args);
};
