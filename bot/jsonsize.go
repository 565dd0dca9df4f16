package bot

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// LINE limits the size of a flex container's JSON (line-platform.md row 22). bubble and
// fitCarousel keep to it without encoding the common container twice (once to measure, once
// to send): they check jsonBound, an upper bound found by walking the value, and encode to
// measure (jsonSize) only a container whose bound is over the limit.

// jsonSize is the length in bytes of v's JSON as encoding/json writes it, which is what the
// LINE client sends (the SDK compacts it, which changes nothing in encoding/json's output).
func jsonSize(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}

// jsonBound is an upper bound on jsonSize(v), found without encoding, for values built of the
// SDK's message types:
//   - a struct counts every exported field with its key and comma, except one encoding/json
//     omits (omitempty and empty); a field that an embedded or shadowing field hides counts too;
//   - a struct of the SDK with a MarshalJSON of its own counts typeSlack more: that method
//     writes the struct's fields and a "type" key, nothing else;
//   - a string counts as encoding/json writes it (jsonStringLen), a number as its longest
//     form, nil as null;
//   - anything else (a map, another type with an encoding of its own, an unexported embedded
//     field) is unbounded, so the caller measures the container with jsonSize.
func jsonBound(v any) int { return boundOf(reflect.ValueOf(v)) }

const (
	// typeSlack bounds the "type" key with its comma that the SDK's MarshalJSON adds: its
	// longest discriminator, "subscriptionPeriod", has 18 bytes.
	typeSlack = len(`,"type":""`) + 18
	// unbounded is jsonBound's answer for a value it cannot bound: more than any LINE limit,
	// and far from overflowing when added up.
	unbounded = 1 << 40
)

func boundOf(v reflect.Value) int {
	switch v.Kind() {
	case reflect.Invalid:
		return len("null")
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return len("null")
		}
		return boundOf(v.Elem())
	case reflect.Bool:
		return len("false")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return len("-9223372036854775808")
	case reflect.Float32, reflect.Float64:
		return len("-1.7976931348623157e+308")
	case reflect.String, reflect.Slice, reflect.Array, reflect.Struct:
	default:
		return unbounded
	}
	sh := jsonShapeOf(v.Type())
	if sh.unbounded {
		return unbounded
	}
	switch v.Kind() {
	case reflect.String:
		return jsonStringLen(v.String())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return len("null")
		}
		n := len("[]")
		for i := range v.Len() {
			n += len(",") + boundOf(v.Index(i))
		}
		return n
	}
	n := len("{}") + sh.slack
	for _, f := range sh.fields {
		fv := v.Field(f.index)
		if f.omitEmpty && emptyJSON(fv) {
			continue
		}
		n += f.key + boundOf(fv)
	}
	return n
}

// emptyJSON is encoding/json's test of an omitempty field.
func emptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// jsonStringLen is the length of s as a JSON string as encoding/json writes it: quoted, with
// '"', '\\' and \b, \f, \n, \r, \t escaped by a backslash, other control characters, '<', '>',
// '&', U+2028 and U+2029 as \uXXXX, and each byte of invalid UTF-8 as \ufffd.
func jsonStringLen(s string) int {
	n := len(`""`) + len(s)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
				n += len(`\n`) - 1
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += len(`\u0000`) - 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			n += len(`\u0000`) - size
		}
		i += size
	}
	return n
}

// jsonShape is what jsonBound knows of a string, slice, array or struct type, found once per
// type (jsonShapes).
type jsonShape struct {
	unbounded bool        // an encoding of its own outside the SDK, or an unexported embedded field
	slack     int         // typeSlack: an SDK struct with a MarshalJSON of its own
	fields    []jsonField // a struct's fields that encoding/json may write
}

// jsonField is a struct field: its index, the length of its key with quotes, colon and comma,
// and whether it is omitempty.
type jsonField struct {
	index     int
	key       int
	omitEmpty bool
}

var (
	jsonShapes        sync.Map // reflect.Type → *jsonShape
	sdkPackage        = reflect.TypeFor[messaging_api.FlexBubble]().PkgPath()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func jsonShapeOf(t reflect.Type) *jsonShape {
	if sh, ok := jsonShapes.Load(t); ok {
		return sh.(*jsonShape)
	}
	sh := newJSONShape(t)
	jsonShapes.Store(t, sh)
	return sh
}

func newJSONShape(t reflect.Type) *jsonShape {
	p := reflect.PointerTo(t)
	own := t.Implements(marshalerType) || p.Implements(marshalerType) || t.Implements(textMarshalerType) || p.Implements(textMarshalerType)
	if t.Kind() != reflect.Struct || own && t.PkgPath() != sdkPackage {
		return &jsonShape{unbounded: own}
	}
	sh := &jsonShape{}
	if own {
		sh.slack = typeSlack
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && f.Anonymous {
			return &jsonShape{unbounded: true}
		}
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		sh.fields = append(sh.fields, jsonField{index: i, key: jsonStringLen(name) + len(":,"),
			omitEmpty: strings.Contains(","+opts+",", ",omitempty,")})
	}
	return sh
}
