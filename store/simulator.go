package store

// SimUser is a persona of the chat simulator (simulator mode only), kept by the embedded store
// so that personas made in the browser survive a restart.
type SimUser struct {
	UserID      string // U + 32 hex digits
	DisplayName string
	Language    string // "th" or "en"
	Role        string // leader, worker, officer, english, new
}
