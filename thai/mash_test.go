package thai

import "testing"

// Keyboard mash is a run along one row of a Latin or Thai keyboard; words, questions and
// short runs are not.
func TestIsKeyboardMash(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"asdfgh", true},
		{"ASDF", true},
		{"qwerty", true},
		{"zxcvbnm", true},
		{"asdf jkl", true},
		{"sdfsdf!!", true},
		{"ฟหกดฟหกด", true},
		{"ฟหกด่าสว", true},
		{"ๆไำพะ", true},
		{"ผปแอ", true},
		{"asd", false},        // too short to tell from a word
		{"ดาว", false},        // a word of one row, short
		{"asdfgh 123", false}, // a digit: something was meant
		{"hello", false},
		{"help me", false},
		{"asdf qwer", false}, // two rows
		{"สวัสดีค่ะ", false},
		{"ม.40 จ่ายเท่าไร", false},
		{"อยากถามเรื่องเงินชดเชยค่ะ", false},
		{"👍👍👍👍", false},
		{"", false},
	} {
		if got := IsKeyboardMash(tc.in); got != tc.want {
			t.Errorf("IsKeyboardMash(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
