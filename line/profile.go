package line

// Profile is what GET /v2/bot/profile/{userId} returns about a user (line-platform.md row 37).
// Language is a BCP 47 tag such as "th" or "en", empty until the user accepted LY's privacy policy.
type Profile struct {
	UserID      string `json:"userId"`
	DisplayName string `json:"displayName"`
	PictureURL  string `json:"pictureUrl,omitempty"`
	Language    string `json:"language,omitempty"`
}
