// Runs before every test file (jest `setupFiles`). The AWS SDK warns once per process that its
// releases after January 2027 need Node.js 22; the warning says nothing about the code under
// test, so it is turned off with the SDK's own switch, for the test processes and the processes
// they start. Other warnings still print.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
