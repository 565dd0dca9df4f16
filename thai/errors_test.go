package thai

import (
	"errors"
	"strings"
	"testing"
)

// errKey returns the key of an *InputError, "" for nil, and fails the test for any other
// error.
func errKey(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *InputError", err, err)
	}
	return ie.Key
}

// errArg returns an argument of an *InputError, or nil.
func errArg(err error, name string) any {
	var ie *InputError
	if !errors.As(err, &ie) {
		return nil
	}
	return ie.Args[name]
}

func TestInputErrorNeverEchoesInput(t *testing.T) {
	const secret = "0812345"
	_, err := ParseMobile(secret)
	if err == nil {
		t.Fatal("want an error")
	}
	if got := err.Error(); got != "phone.too_short count=7" {
		t.Errorf("Error() = %q", got)
	}
	_, err = ParseFullName("สมชาย 0812345678")
	if strings.Contains(err.Error(), "สมชาย") || strings.Contains(err.Error(), "081") {
		t.Errorf("Error() = %q contains the input", err.Error())
	}
	e := &InputError{Key: "x.y", Args: map[string]any{"max": 3, "count": 2}}
	if got := e.Error(); got != "x.y count=2 max=3" {
		t.Errorf("Error() = %q, want args in key order", got)
	}
}
