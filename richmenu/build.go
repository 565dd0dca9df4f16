package richmenu

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// NamePrefix starts the name of every rich menu ssonet makes; menus with other names (made by
// someone else through the API) are never touched.
const NamePrefix = "ssonet"

// Built is one menu ready for LINE: its rich menu object, its PNG and the name that identifies
// this exact version.
type Built struct {
	// Key is the menu's key (KeyNewcomer, ...).
	Key string
	// Request is the rich menu object to create; Request.Name is Name.
	Request messaging_api.RichMenuRequest
	// PNG is the image, Width×Height pixels.
	PNG []byte
	// Name is "ssonet <key> <hash>", hash being the first 16 hex digits of the SHA-256 of the
	// object and the image's pixels (not its PNG bytes, which another Go release may compress
	// differently): a menu of that name on LINE is this version.
	Name string
}

// Build draws every menu and builds its rich menu object, the default (newcomer) first. The
// result depends only on the definitions, the fonts and the drawing code, so two processes build
// the same names.
func Build() ([]Built, error) {
	ts, err := newTypesetter()
	if err != nil {
		return nil, err
	}
	var out []Built
	for _, m := range menus() {
		pixels := ts.paint(m)
		img, err := encode(pixels, pngLevel)
		if err != nil {
			return nil, fmt.Errorf("richmenu: draw %s: %w", m.key, err)
		}
		req := m.request()
		obj, err := json.Marshal(req)
		if err != nil {
			return nil, fmt.Errorf("richmenu: %s: %w", m.key, err)
		}
		h := sha256.New()
		h.Write(obj)
		h.Write(pixels.Pix)
		name := strings.Join([]string{NamePrefix, m.key, hex.EncodeToString(h.Sum(nil))[:16]}, " ")
		req.Name = name
		out = append(out, Built{Key: m.key, Request: req, PNG: img, Name: name})
	}
	return out, nil
}

// request is m's rich menu object without a name: tabs switch through aliases, buttons send
// their phrase; together the areas cover the whole image.
func (m menu) request() messaging_api.RichMenuRequest {
	tabs, cells := m.layout()
	var areas []messaging_api.RichMenuArea
	for i, t := range m.tabs { // the active tab too: tapping it keeps the page
		areas = append(areas, messaging_api.RichMenuArea{Bounds: tabs[i].bounds(),
			Action: &messaging_api.RichMenuSwitchAction{Label: t.label, RichMenuAliasId: aliasID(t.target), Data: "a=rm.tab&to=" + t.target}})
	}
	for i, b := range m.buttons {
		areas = append(areas, messaging_api.RichMenuArea{Bounds: cells[i].bounds(),
			Action: &messaging_api.MessageAction{Label: b.label, Text: b.text}})
	}
	return messaging_api.RichMenuRequest{
		Size:        &messaging_api.RichMenuSize{Width: Width, Height: Height},
		Selected:    true,
		ChatBarText: m.chatBar,
		Areas:       areas,
	}
}

func (c cell) bounds() *messaging_api.RichMenuBounds {
	return &messaging_api.RichMenuBounds{X: int64(c.x), Y: int64(c.y), Width: int64(c.w), Height: int64(c.h)}
}

// parseName splits one of our menu names into key and hash; ok is false for other names.
func parseName(name string) (key, hash string, ok bool) {
	f := strings.Fields(name)
	if len(f) != 3 || f[0] != NamePrefix {
		return "", "", false
	}
	return f[1], f[2], true
}
