// Package line is ssonet's outbound side of the LINE Messaging API: reply, push, multicast,
// broadcast, the loading animation and profile look-ups, sent through the official SDK
// (github.com/line/line-bot-sdk-go/v8, messaging_api) with the rules of
// docs/line-platform.md applied: retry keys on push/multicast/broadcast and never on reply
// (rows 25–27), ≤ 500 recipients per multicast (row 14), client-side rate limits per endpoint
// (row 28, §2), and errors classified so that callers can tell "retry with the same key" from
// "drop and record" (row 30).
//
// The package does not retry and does not split audiences: back-off and batching belong to the
// caller (the scheduler), which uses IsRetryable, IsInvalidReplyToken and IsNotFound.
//
// Sub-package linetest is a stand-in for the Messaging API used by tests and by the simulator.
package line
