// Package thai reads and writes the forms Thai people type on a phone: Thai digits, Buddhist-era
// dates, national ID and mobile numbers, province names and personal names, all after one
// input normalisation (docs/ARCHITECTURE.md, "The conversation engine").
//
// Parsers never echo the user's input in an error: they return an *InputError whose Key the
// chat translates into a Thai re-prompt (the miniflux pattern: validators return a key, translated at the edge). The keys are:
//
//	phone.empty, phone.not_digits, phone.landline, phone.too_short, phone.too_long,
//	phone.not_mobile                                                                  (ParseMobile)
//	nid.empty, nid.not_digits, nid.too_short, nid.too_long, nid.check_digit         (ParseNationalID)
//	date.empty, date.format, date.invalid, date.year                                 (ParseDate)
//	time.format, time.invalid                                                         (ParseTimeOfDay)
//	datetime.need_time                                                                (ParseDateTime)
//	age.format, age.range                                                             (ParseAge)
//	name.empty, name.need_surname, name.has_digits, name.bad_chars, name.too_long    (ParseFullName)
//	text.empty, text.too_long, text.bad_chars                                         (ParseFreeText)
//	district.unknown, district.province                                               (ParseDistrict)
//
// Dates are time.Time; every loc parameter is the display zone (Asia/Bangkok in practice,
// TZ_DISPLAY) and must not be nil. Thai dates show the Buddhist-era year, พ.ศ. = ค.ศ. + 543.
//
// Each parser's doc comment says when each key is returned and which Args it carries.
package thai

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// InputError is a parse failure with a stable key the chat translates into a Thai re-prompt.
// Key is a dotted name such as "phone.too_short" (the full list is in the package comment);
// Args holds the numbers a re-prompt may show, e.g. {"count": 9} or {"max": 100}, and is nil
// when there are none. Neither field ever contains the user's input.
type InputError struct {
	Key  string
	Args map[string]any
}

// Error returns the key followed by the arguments in key order, e.g.
// "phone.too_short count=9". It never contains the user's raw input, so it is safe to log.
func (e *InputError) Error() string {
	if len(e.Args) == 0 {
		return e.Key
	}
	var b strings.Builder
	b.WriteString(e.Key)
	for _, k := range slices.Sorted(maps.Keys(e.Args)) {
		fmt.Fprintf(&b, " %s=%v", k, e.Args[k])
	}
	return b.String()
}

// inputErr builds an *InputError without arguments.
func inputErr(key string) *InputError { return &InputError{Key: key} }

// countErr builds an *InputError carrying {"count": n}.
func countErr(key string, n int) *InputError {
	return &InputError{Key: key, Args: map[string]any{"count": n}}
}
