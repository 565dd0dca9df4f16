package bot

// SameAsSDK is sameAsSDK for the tests of package bot_test: the transcripts check every reply.
var SameAsSDK = sameAsSDK

// SDKForm is sdkForm for package bot_test: the benchmark encodes the old form beside the new.
var SDKForm = sdkForm

// JSONBound is jsonBound for the benchmark of the menu's size check.
var JSONBound = jsonBound
