package line

// MessageBody exposes messageBody to the benchmarks of package line_test.
var MessageBody = messageBody
