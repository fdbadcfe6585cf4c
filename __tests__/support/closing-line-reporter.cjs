// Prints one plain closing line ("tests: N passed, N failed, N skipped") after jest's own summary, so that any CI
// reading the log sees the totals in a runner-neutral form.
class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped`;
    process.stdout.write(`\n${line}\n`);
  }
}
module.exports = ClosingLineReporter;
