package bot

// SameAsSDK is sameAsSDK for the tests of package bot_test: the transcripts check every reply.
var SameAsSDK = sameAsSDK

// SDKForm is sdkForm for package bot_test: the benchmark encodes the old form beside the new.
var SDKForm = sdkForm

// JSONBound is jsonBound for the benchmark of a bubble's size check.
var JSONBound = jsonBound
