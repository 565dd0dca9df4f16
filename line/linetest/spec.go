package linetest

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// messagingAPISpec is LINE's OpenAPI description of the Messaging API (see openapi/README.md).
//
//go:embed openapi/messaging-api.yml
var messagingAPISpec []byte

var (
	specOnce sync.Once
	specDoc  *openapi3.T
	specErr  error
)

// spec loads and validates the embedded OpenAPI document once per process (about 50 ms).
func spec() (*openapi3.T, error) {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(messagingAPISpec)
		if err != nil {
			specErr = fmt.Errorf("linetest: loading messaging-api.yml: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			specErr = fmt.Errorf("linetest: messaging-api.yml is invalid: %w", err)
			return
		}
		specDoc = doc
	})
	return specDoc, specErr
}

// specPaths maps our endpoint names to the OpenAPI path whose POST body schema applies.
var specPaths = map[string]string{
	"reply":     "/v2/bot/message/reply",
	"push":      "/v2/bot/message/push",
	"multicast": "/v2/bot/message/multicast",
	"broadcast": "/v2/bot/message/broadcast",
	"loading":   "/v2/bot/chat/loading/start",
}

// checkSchema validates a decoded request body (nulls already removed) against the endpoint's
// request-body schema, and each element of "messages" against the concrete message schema its
// "type" selects through the Message discriminator (the spec's discriminator sits on a base
// schema referenced by allOf, which a plain schema visit does not follow). Unknown message types
// are reported too.
func (c *checker) checkSchema(endpoint string, body any) {
	doc, err := spec()
	if err != nil {
		c.add("", err.Error())
		return
	}
	p, ok := specPaths[endpoint]
	if !ok {
		return
	}
	c.checkPathSchema(p, http.MethodPost, body)

	obj, _ := body.(map[string]any)
	msgs, _ := obj["messages"].([]any)
	base := doc.Components.Schemas["Message"]
	if base == nil || base.Value.Discriminator == nil {
		return
	}
	for i, m := range msgs {
		prop := "messages[" + strconv.Itoa(i) + "]"
		mo, ok := m.(map[string]any)
		if !ok {
			continue // reported by the body schema
		}
		typ, _ := mo["type"].(string)
		ref, ok := base.Value.Discriminator.Mapping[typ]
		if !ok {
			c.add(prop+".type", "Must be one of the following values: "+strings.Join(messageTypes(base.Value), ", "))
			continue
		}
		name := strings.TrimPrefix(ref.Ref, "#/components/schemas/")
		s := doc.Components.Schemas[name]
		if s == nil {
			continue
		}
		c.addSchemaErr(prop, s.Value.VisitJSON(m, openapi3.MultiErrors()))
	}
}

// checkPathSchema validates a decoded JSON body against the application/json request-body
// schema of method on the OpenAPI path p (e.g. "/v2/bot/richmenu/alias/{richMenuAliasId}").
func (c *checker) checkPathSchema(p, method string, body any) {
	doc, err := spec()
	if err != nil {
		c.add("", err.Error())
		return
	}
	item := doc.Paths.Find(p)
	if item == nil {
		c.add("", "linetest: no OpenAPI path "+p)
		return
	}
	op := item.GetOperation(method)
	if op == nil || op.RequestBody == nil {
		return
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return
	}
	c.addSchemaErr("", mt.Schema.Value.VisitJSON(body, openapi3.MultiErrors()))
}

// checkActionSchema validates an action object against the concrete schema its "type" selects
// through the Action discriminator (a plain visit of the base schema does not follow it).
func (c *checker) checkActionSchema(prop string, act map[string]any) {
	doc, err := spec()
	if err != nil {
		c.add("", err.Error())
		return
	}
	base := doc.Components.Schemas["Action"]
	if base == nil || base.Value.Discriminator == nil {
		return
	}
	typ, _ := act["type"].(string)
	ref, ok := base.Value.Discriminator.Mapping[typ]
	if !ok {
		return // checkAction names the allowed types
	}
	if s := doc.Components.Schemas[strings.TrimPrefix(ref.Ref, "#/components/schemas/")]; s != nil {
		c.addSchemaErr(prop, s.Value.VisitJSON(act, openapi3.MultiErrors()))
	}
}

func messageTypes(base *openapi3.Schema) []string {
	var out []string
	for k := range base.Discriminator.Mapping {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// addSchemaErr turns kin-openapi errors into LINE-style details ("messages[0].text: ...").
func (c *checker) addSchemaErr(prefix string, err error) {
	if err == nil {
		return
	}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		for _, e := range me {
			c.addSchemaErr(prefix, e)
		}
		return
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		ptr := se.JSONPointer()
		// allOf/oneOf failures wrap the specific error in Origin; report the innermost one.
		if se.Origin != nil {
			var inner *openapi3.SchemaError
			var innerMulti openapi3.MultiError
			if errors.As(se.Origin, &innerMulti) || errors.As(se.Origin, &inner) {
				c.addSchemaErr(joinProp(prefix, ptr), se.Origin)
				return
			}
		}
		c.add(joinProp(prefix, ptr), se.Reason)
		return
	}
	c.add(prefix, err.Error())
}

// joinProp renders a JSON pointer the way LINE names properties: messages[0].quickReply.items[2].
func joinProp(prefix string, ptr []string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, p := range ptr {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}
