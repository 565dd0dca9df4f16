package linetest

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/rivo/uniseg"
)

// Limits enforced by the stand-in, from docs/line-platform.md (row numbers in comments).
const (
	maxMessages        = 5    // row 13
	maxTextUTF16       = 5000 // row 15, UTF-16 code units
	maxQuickReplyItems = 13   // row 17
	maxQuickLabel      = 20   // row 18, grapheme clusters
	maxTemplateLabel   = 20   // row 18
	maxImageCarLabel   = 12   // row 18
	maxFlexLabel       = 40   // row 18
	maxPostbackData    = 300  // row 19, UTF-16 code units
	maxDisplayText     = 300  // row 19, grapheme clusters (row 16)
	maxMessageText     = 300  // row 20, grapheme clusters (row 16)
	maxURI             = 1000 // row 20
	maxClipboardText   = 1000 // row 20
	maxAltText         = 400  // rows 21, 22, UTF-16 code units
	maxImageURL        = 2000 // rows 17, 24
	// LINE writes "30 KB" and "50 KB" without saying whether it means 1,000 or 1,024 bytes; the
	// stand-in takes the stricter reading so that nothing it accepts is over LINE's limit.
	maxBubbleBytes   = 30000 // row 22, compact JSON of one bubble
	maxCarouselBytes = 50000 // row 22, compact JSON of the carousel
	maxBubbles       = 12    // row 22
	maxTemplateCols  = 10    // row 21
)

// detail is one entry of LINE's error "details" array.
type detail struct {
	Message  string `json:"message"`
	Property string `json:"property,omitempty"`
}

// checker collects details; a request with any detail is answered 400.
type checker struct{ details []detail }

func (c *checker) add(prop, msg string) {
	c.details = append(c.details, detail{Message: msg, Property: prop})
}

// merge appends other's details for properties c has no detail for yet.
func (c *checker) merge(other *checker) {
	seen := map[string]bool{}
	for _, d := range c.details {
		seen[d.Property] = true
	}
	for _, d := range other.details {
		if !seen[d.Property] {
			seen[d.Property] = true
			c.details = append(c.details, d)
		}
	}
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func graphemes(s string) int { return uniseg.GraphemeClusterCount(s) }

func lengthMsg(min, max int) string {
	return "Length must be between " + strconv.Itoa(min) + " and " + strconv.Itoa(max)
}

func sizeMsg(min, max int) string {
	return "Size must be between " + strconv.Itoa(min) + " and " + strconv.Itoa(max)
}

func idx(prop string, i int) string { return prop + "[" + strconv.Itoa(i) + "]" }

// str returns o[key] as a string and whether it was present as a string.
func str(o map[string]any, key string) (string, bool) {
	s, ok := o[key].(string)
	return s, ok
}

// checkMessages applies LINE's limits to the "messages" array of a send request (rows 13–22).
func (c *checker) checkMessages(v any) {
	msgs, ok := v.([]any)
	if !ok {
		c.add("messages", "Must be an array")
		return
	}
	if len(msgs) < 1 || len(msgs) > maxMessages {
		c.add("messages", sizeMsg(1, maxMessages))
	}
	for i, m := range msgs {
		prop := idx("messages", i)
		o, ok := m.(map[string]any)
		if !ok {
			c.add(prop, "Must be an object")
			continue
		}
		c.checkMessage(prop, o)
	}
}

func (c *checker) checkMessage(prop string, o map[string]any) {
	typ, _ := str(o, "type")
	switch typ {
	case "text", "textV2":
		text, _ := str(o, "text")
		if text == "" {
			c.add(prop+".text", "May not be empty")
		} else if n := utf16Len(text); n > maxTextUTF16 {
			c.add(prop+".text", lengthMsg(0, maxTextUTF16))
		}
	case "flex":
		c.checkAltText(prop, o)
		c.checkFlexContainer(prop+".contents", o["contents"])
	case "template":
		c.checkAltText(prop, o)
		c.checkTemplate(prop+".template", o["template"])
	case "imagemap":
		c.checkAltText(prop, o)
	case "image":
		for _, k := range []string{"originalContentUrl", "previewImageUrl"} {
			c.checkHTTPSURL(prop+"."+k, o, k, true)
		}
	}
	if qr, ok := o["quickReply"].(map[string]any); ok {
		c.checkQuickReply(prop+".quickReply", qr)
	}
}

func (c *checker) checkAltText(prop string, o map[string]any) {
	alt, _ := str(o, "altText")
	if alt == "" {
		c.add(prop+".altText", "May not be empty")
	} else if utf16Len(alt) > maxAltText {
		c.add(prop+".altText", lengthMsg(0, maxAltText))
	}
}

func (c *checker) checkHTTPSURL(prop string, o map[string]any, key string, required bool) {
	u, ok := str(o, key)
	if !ok || u == "" {
		if required {
			c.add(prop, "May not be empty")
		}
		return
	}
	if !strings.HasPrefix(u, "https://") {
		c.add(prop, "Must be an https URL")
	}
	if len(u) > maxImageURL {
		c.add(prop, lengthMsg(0, maxImageURL))
	}
}

// checkQuickReply: at most 13 items (row 17), each {type: action, action, imageUrl?} with a
// required label of at most 20 grapheme clusters (row 18).
func (c *checker) checkQuickReply(prop string, qr map[string]any) {
	items, ok := qr["items"].([]any)
	if !ok {
		c.add(prop+".items", "May not be empty")
		return
	}
	if len(items) < 1 || len(items) > maxQuickReplyItems {
		c.add(prop+".items", sizeMsg(1, maxQuickReplyItems))
	}
	for i, it := range items {
		ip := idx(prop+".items", i)
		o, ok := it.(map[string]any)
		if !ok {
			c.add(ip, "Must be an object")
			continue
		}
		// "type" defaults to "action" in the OpenAPI description, and the SDK omits it.
		if t, ok := str(o, "type"); ok && t != "action" {
			c.add(ip+".type", "Must be one of the following values: [action]")
		}
		c.checkHTTPSURL(ip+".imageUrl", o, "imageUrl", false)
		a, ok := o["action"].(map[string]any)
		if !ok {
			c.add(ip+".action", "May not be empty")
			continue
		}
		c.checkAction(ip+".action", a, maxQuickLabel, true)
	}
}

// checkAction checks one action object (rows 18–20). Labels and the texts listed in row 16
// are counted in grapheme clusters; data, URIs and clipboard text in UTF-16 code units.
func (c *checker) checkAction(prop string, a map[string]any, maxLabel int, labelRequired bool) {
	typ, _ := str(a, "type")
	label, hasLabel := str(a, "label")
	switch {
	case hasLabel && graphemes(label) > maxLabel:
		c.add(prop+".label", lengthMsg(0, maxLabel))
	case labelRequired && label == "":
		c.add(prop+".label", "May not be empty")
	}
	limitUTF16 := func(key string, max int, required bool) {
		s, ok := str(a, key)
		switch {
		case required && s == "":
			c.add(prop+"."+key, "May not be empty")
		case ok && utf16Len(s) > max:
			c.add(prop+"."+key, lengthMsg(0, max))
		}
	}
	limitGraphemes := func(key string, max int, required bool) {
		s, ok := str(a, key)
		switch {
		case required && s == "":
			c.add(prop+"."+key, "May not be empty")
		case ok && graphemes(s) > max:
			c.add(prop+"."+key, lengthMsg(0, max))
		}
	}
	switch typ {
	case "postback":
		limitUTF16("data", maxPostbackData, true)
		limitGraphemes("displayText", maxDisplayText, false)
		limitGraphemes("fillInText", maxDisplayText, false)
		limitGraphemes("text", maxDisplayText, false)
		if _, ok := a["displayText"]; ok {
			if _, ok := a["text"]; ok {
				c.add(prop, "displayText and text cannot be used together")
			}
		}
	case "message":
		limitGraphemes("text", maxMessageText, true)
	case "uri":
		// LINE counts the link percent-encoded as UTF-8 (row 20): raw Thai counts 9 per letter.
		u, ok := str(a, "uri")
		switch {
		case u == "":
			c.add(prop+".uri", "May not be empty")
		case ok && encodedLen(u) > maxURI:
			c.add(prop+".uri", lengthMsg(0, maxURI))
		case !validURIScheme(u):
			c.add(prop+".uri", "Invalid uri scheme")
		}
	case "datetimepicker":
		limitUTF16("data", maxPostbackData, true)
		switch m, _ := str(a, "mode"); m {
		case "date", "time", "datetime":
		default:
			c.add(prop+".mode", "Must be one of the following values: [date, time, datetime]")
		}
	case "richmenuswitch":
		limitUTF16("data", maxPostbackData, true)
		limitUTF16("richMenuAliasId", 32, true)
	case "clipboard":
		limitUTF16("clipboardText", maxClipboardText, true)
	case "camera", "cameraRoll", "location":
	default:
		c.add(prop+".type", "Must be one of the following values: [postback, message, uri, datetimepicker, camera, cameraRoll, location, richmenuswitch, clipboard]")
	}
}

// encodedLen is the length of u with every byte outside printable ASCII percent-encoded.
func encodedLen(u string) int {
	n := 0
	for i := 0; i < len(u); i++ {
		if u[i] <= ' ' || u[i] >= 0x7f {
			n += 3
		} else {
			n++
		}
	}
	return n
}

func validURIScheme(u string) bool {
	for _, s := range []string{"http://", "https://", "line://", "tel:"} {
		if len(u) >= len(s) && strings.EqualFold(u[:len(s)], s) {
			return true
		}
	}
	return false
}

// compactSize is the size in bytes of v's compact JSON encoding.
func compactSize(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return len(b)
	}
	return buf.Len()
}

// checkFlexContainer: a bubble ≤ 30 KB; a carousel ≤ 12 bubbles of one size and ≤ 50 KB
// (row 22); button labels ≤ 40 grapheme clusters and required, other actions' labels ≤ 40
// (row 18).
func (c *checker) checkFlexContainer(prop string, v any) {
	o, ok := v.(map[string]any)
	if !ok {
		c.add(prop, "May not be empty")
		return
	}
	switch t, _ := str(o, "type"); t {
	case "bubble":
		if compactSize(o) > maxBubbleBytes {
			c.add(prop, "Bubble size must be at most 30KB")
		}
	case "carousel":
		bubbles, _ := o["contents"].([]any)
		if len(bubbles) < 1 || len(bubbles) > maxBubbles {
			c.add(prop+".contents", sizeMsg(1, maxBubbles))
		}
		if compactSize(o) > maxCarouselBytes {
			c.add(prop, "Carousel size must be at most 50KB")
		}
		var size0 string
		for i, b := range bubbles {
			bo, ok := b.(map[string]any)
			if !ok {
				c.add(idx(prop+".contents", i), "Must be an object")
				continue
			}
			if t, _ := str(bo, "type"); t != "bubble" {
				c.add(idx(prop+".contents", i)+".type", "Must be one of the following values: [bubble]")
			}
			if compactSize(bo) > maxBubbleBytes {
				c.add(idx(prop+".contents", i), "Bubble size must be at most 30KB")
			}
			size, _ := str(bo, "size")
			if size == "" {
				size = "mega"
			}
			if i == 0 {
				size0 = size
			} else if size != size0 {
				c.add(idx(prop+".contents", i)+".size", "All bubbles in a carousel must have the same size")
			}
		}
	default:
		c.add(prop+".type", "Must be one of the following values: [bubble, carousel]")
		return
	}
	c.walkFlex(prop, o)
}

// walkFlex finds the actions inside a flex container.
func (c *checker) walkFlex(prop string, v any) {
	switch x := v.(type) {
	case map[string]any:
		isButton := x["type"] == "button"
		for _, k := range slices.Sorted(maps.Keys(x)) {
			child := x[k]
			cp := prop + "." + k
			if k == "action" {
				a, ok := child.(map[string]any)
				if !ok {
					if isButton {
						c.add(cp, "May not be empty")
					}
					continue
				}
				c.checkAction(cp, a, maxFlexLabel, isButton)
				continue
			}
			c.walkFlex(cp, child)
		}
		if _, ok := x["action"]; isButton && !ok {
			c.add(prop+".action", "May not be empty")
		}
	case []any:
		for i, child := range x {
			c.walkFlex(idx(prop, i), child)
		}
	}
}

// checkTemplate: buttons, confirm, carousel and image carousel limits (row 21) and their
// action labels (row 18).
func (c *checker) checkTemplate(prop string, v any) {
	t, ok := v.(map[string]any)
	if !ok {
		c.add(prop, "May not be empty")
		return
	}
	limitG := func(p string, o map[string]any, key string, max int, required bool) {
		s, ok := str(o, key)
		switch {
		case required && s == "":
			c.add(p+"."+key, "May not be empty")
		case ok && graphemes(s) > max:
			c.add(p+"."+key, lengthMsg(0, max))
		}
	}
	actions := func(p string, o map[string]any, min, max, maxLabel int) int {
		as, _ := o["actions"].([]any)
		if len(as) < min || len(as) > max {
			c.add(p+".actions", sizeMsg(min, max))
		}
		for i, a := range as {
			ao, ok := a.(map[string]any)
			if !ok {
				c.add(idx(p+".actions", i), "Must be an object")
				continue
			}
			c.checkAction(idx(p+".actions", i), ao, maxLabel, true)
		}
		if da, ok := o["defaultAction"].(map[string]any); ok {
			c.checkAction(p+".defaultAction", da, maxLabel, false)
		}
		return len(as)
	}
	hasImageOrTitle := func(o map[string]any) bool {
		img, _ := str(o, "thumbnailImageUrl")
		title, _ := str(o, "title")
		return img != "" || title != ""
	}
	switch typ, _ := str(t, "type"); typ {
	case "buttons":
		limitG(prop, t, "title", 40, false)
		maxText := 160
		if hasImageOrTitle(t) {
			maxText = 60
		}
		limitG(prop, t, "text", maxText, true)
		actions(prop, t, 1, 4, maxTemplateLabel)
	case "confirm":
		limitG(prop, t, "text", 240, true)
		actions(prop, t, 2, 2, maxTemplateLabel)
	case "carousel":
		cols, _ := t["columns"].([]any)
		if len(cols) < 1 || len(cols) > maxTemplateCols {
			c.add(prop+".columns", sizeMsg(1, maxTemplateCols))
		}
		first := -1
		for i, col := range cols {
			cp := idx(prop+".columns", i)
			co, ok := col.(map[string]any)
			if !ok {
				c.add(cp, "Must be an object")
				continue
			}
			limitG(cp, co, "title", 40, false)
			maxText := 120
			if hasImageOrTitle(co) {
				maxText = 60
			}
			limitG(cp, co, "text", maxText, true)
			n := actions(cp, co, 1, 3, maxTemplateLabel)
			if first < 0 {
				first = n
			} else if n != first {
				c.add(cp+".actions", "Every column must have the same number of actions")
			}
		}
	case "image_carousel":
		cols, _ := t["columns"].([]any)
		if len(cols) < 1 || len(cols) > maxTemplateCols {
			c.add(prop+".columns", sizeMsg(1, maxTemplateCols))
		}
		for i, col := range cols {
			cp := idx(prop+".columns", i)
			co, ok := col.(map[string]any)
			if !ok {
				c.add(cp, "Must be an object")
				continue
			}
			c.checkHTTPSURL(cp+".imageUrl", co, "imageUrl", true)
			a, ok := co["action"].(map[string]any)
			if !ok {
				c.add(cp+".action", "May not be empty")
				continue
			}
			c.checkAction(cp+".action", a, maxImageCarLabel, false)
		}
	default:
		c.add(prop+".type", "Must be one of the following values: [buttons, confirm, carousel, image_carousel]")
	}
}

// dropNulls removes object members whose value is null, recursively. The SDK marshals unset
// slices as null (e.g. "customAggregationUnits": null) and LINE accepts that as "absent"; the
// OpenAPI schema does not declare those fields nullable.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if child == nil {
				delete(x, k)
				continue
			}
			x[k] = dropNulls(child)
		}
	case []any:
		for i, child := range x {
			x[i] = dropNulls(child)
		}
	}
	return v
}
