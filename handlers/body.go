package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// maxBody caps a JSON request body of the officers' API, in bytes.
const maxBody = 64 << 10

// decodeJSON reads a body of one JSON object into v; malformed JSON, wrong types, unknown
// fields, trailing data and bodies over maxBody are a 400 naming the field where it can.
func decodeJSON(c *gin.Context, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil && !dec.More():
		return nil
	case errors.As(err, &te):
		return Invalid(te.Field, "wrong type: want "+te.Type.String())
	case err != nil && strings.HasPrefix(err.Error(), "json: unknown field "):
		return Invalid(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "unknown field")
	}
	return Invalid("", "the body must be one JSON object")
}

// readCapped reads the whole body (at most maxBody bytes, else a 400) and puts it back for the
// handler.
func readCapped(c *gin.Context) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err != nil {
		return nil, Invalid("", "the body is too large or unreadable")
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}
