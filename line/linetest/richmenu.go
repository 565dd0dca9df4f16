package linetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of uploaded rich menu images
	_ "image/png"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ssonet/ssonet/line"
)

// Rich menu limits enforced by the stand-in (line-platform.md rows 34–35, §2).
const (
	richMenuMinWidth    = 800
	richMenuMaxWidth    = 2500
	richMenuMinHeight   = 250
	richMenuMinRatio    = 1.45
	richMenuMaxImage    = 1 << 20 // 1 MB
	richMenuMaxAreas    = 20
	richMenuMaxChatBar  = 14  // grapheme clusters (row 16)
	richMenuMaxName     = 300 // grapheme clusters (row 16)
	richMenuMaxLabel    = 20  // row 18
	richMenuMaxPerHour  = 100 // creates, and deletes, per hour (§2)
	richMenuMaxAccounts = 1000
)

// RichMenu is a rich menu as the stand-in keeps it.
type RichMenu struct {
	// ID is the rich menu ID the stand-in issued ("richmenu-" and 32 hex digits).
	ID string
	// Object is the rich menu object as created (size, selected, name, chatBarText, areas),
	// without richMenuId.
	Object json.RawMessage
	// Name and ChatBarText are copied from Object.
	Name, ChatBarText string
	// Width and Height are Object's size in pixels.
	Width, Height int
	// Image and ContentType are the uploaded image; nil before the upload.
	Image       []byte
	ContentType string
}

// richMenuState is the stand-in's rich menu bookkeeping; Server.mu guards it.
type richMenuState struct {
	menus    map[string]*RichMenu
	order    []string // creation order, for the list
	def      string   // default rich menu ID
	links    map[string]string
	aliases  map[string]string
	creates  []time.Time // within the last hour, for §2's 100 per hour
	deletes  []time.Time
	nextMenu int
}

func newRichMenuState() richMenuState {
	return richMenuState{menus: map[string]*RichMenu{}, links: map[string]string{}, aliases: map[string]string{}}
}

// RichMenus returns the rich menus that exist, oldest first.
func (s *Server) RichMenus() []RichMenu {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RichMenu
	for _, id := range s.rm.order {
		m := *s.rm.menus[id]
		m.Image = slices.Clone(m.Image)
		out = append(out, m)
	}
	return out
}

// DefaultRichMenu is the ID of the default rich menu; empty when none is set.
func (s *Server) DefaultRichMenu() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rm.def
}

// LinkedRichMenu is the ID of the rich menu linked to userID; empty when none is.
func (s *Server) LinkedRichMenu(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rm.links[userID]
}

// RichMenuAliases returns the aliases: alias ID → rich menu ID.
func (s *Server) RichMenuAliases() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.rm.aliases))
	for k, v := range s.rm.aliases {
		out[k] = v
	}
	return out
}

// RichMenuOf returns the menu userID sees in LINE: the one linked to them, else the default
// (row 35's priority, without OA Manager menus); ok is false when there is none.
func (s *Server) RichMenuOf(userID string) (RichMenu, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.rm.links[userID]
	if id == "" {
		id = s.rm.def
	}
	m, ok := s.rm.menus[id]
	if !ok {
		return RichMenu{}, false
	}
	out := *m
	out.Image = slices.Clone(m.Image)
	return out, true
}

// SwitchRichMenu does what LINE does when userID taps a richmenuswitch area: it links the menu
// alias aliasID names to the user, and returns it; ok is false for an unknown alias or menu.
func (s *Server) SwitchRichMenu(userID, aliasID string) (RichMenu, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.rm.menus[s.rm.aliases[aliasID]]
	if !ok {
		return RichMenu{}, false
	}
	s.rm.links[userID] = m.ID
	out := *m
	out.Image = slices.Clone(m.Image)
	return out, true
}

// RichMenuByID returns one rich menu, e.g. the target of a richmenuswitch alias.
func (s *Server) RichMenuByID(id string) (RichMenu, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.rm.menus[id]
	if !ok {
		return RichMenu{}, false
	}
	out := *m
	out.Image = slices.Clone(m.Image)
	return out, true
}

// richRoute maps a rich menu path to its endpoint name and path parameters. data reports
// whether the request came to the data API (DataURL): image calls are served there only, and
// nothing else is (row 42).
func richRoute(method, path string, data bool) (endpoint string, params []string, ok bool) {
	const p = "/v2/bot/richmenu/"
	rest, isMenu := strings.CutPrefix(path, p)
	if strings.HasSuffix(path, "/content") && isMenu {
		id := strings.TrimSuffix(rest, "/content")
		if !data || strings.Contains(id, "/") || (method != http.MethodPost && method != http.MethodGet) {
			return "", nil, false
		}
		return line.EndpointRichMenuImage, []string{method, id}, true
	}
	if data {
		return "", nil, false
	}
	seg := strings.Split(strings.TrimPrefix(path, "/v2/bot/"), "/")
	is := func(m string, parts ...string) bool {
		if method != m || len(seg) != len(parts) {
			return false
		}
		for i, part := range parts {
			if part != "*" && part != seg[i] {
				return false
			}
		}
		return true
	}
	switch {
	case is(http.MethodPost, "richmenu"):
		return line.EndpointRichMenuCreate, nil, true
	case is(http.MethodGet, "richmenu", "list"):
		return line.EndpointRichMenuList, nil, true
	case is(http.MethodGet, "richmenu", "alias", "list"):
		return line.EndpointRichMenuAlias, []string{"list"}, true
	case is(http.MethodPost, "richmenu", "alias"):
		return line.EndpointRichMenuAlias, []string{"create"}, true
	case is(http.MethodPost, "richmenu", "alias", "*"):
		return line.EndpointRichMenuAlias, []string{"update", seg[2]}, true
	case is(http.MethodDelete, "richmenu", "alias", "*"):
		return line.EndpointRichMenuDelete, []string{"alias", seg[2]}, true
	case is(http.MethodPost, "richmenu", "bulk", "link"):
		return line.EndpointRichMenuBulk, []string{"link"}, true
	case is(http.MethodPost, "richmenu", "bulk", "unlink"):
		return line.EndpointRichMenuBulk, []string{"unlink"}, true
	case is(http.MethodDelete, "richmenu", "*"):
		return line.EndpointRichMenuDelete, []string{"menu", seg[1]}, true
	case is(http.MethodGet, "user", "all", "richmenu"):
		return line.EndpointRichMenuLink, []string{"get-default"}, true
	case is(http.MethodPost, "user", "all", "richmenu", "*"):
		return line.EndpointRichMenuLink, []string{"default", seg[3]}, true
	case is(http.MethodPost, "user", "*", "richmenu", "*"):
		return line.EndpointRichMenuLink, []string{"link", seg[1], seg[3]}, true
	case is(http.MethodDelete, "user", "*", "richmenu"):
		return line.EndpointRichMenuLink, []string{"unlink", seg[1]}, true
	}
	return "", nil, false
}

// withinHour drops times older than an hour before now and reports whether another call fits
// in §2's budget.
func withinHour(ts *[]time.Time, now time.Time) bool {
	*ts = slices.DeleteFunc(*ts, func(t time.Time) bool { return now.Sub(t) >= time.Hour })
	return len(*ts) < richMenuMaxPerHour
}

// processRichMenu answers one rich menu call. s.mu is held; authentication and injected
// failures were handled by the caller.
func (s *Server) processRichMenu(endpoint string, params []string, h http.Header, body []byte) response {
	rm := &s.rm
	now := s.now()
	if len(body) > MaxBodyBytes {
		return errorResponse(http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	}
	switch endpoint {
	case line.EndpointRichMenuList:
		list := []any{}
		for _, id := range rm.order {
			var o map[string]any
			_ = json.Unmarshal(rm.menus[id].Object, &o)
			o["richMenuId"] = id
			list = append(list, o)
		}
		return response{status: http.StatusOK, body: map[string]any{"richmenus": list}}
	case line.EndpointRichMenuCreate:
		obj, bad := s.decodeChecked("/v2/bot/richmenu", http.MethodPost, body)
		if bad != nil {
			return *bad
		}
		ck := &checker{}
		ck.checkRichMenu(obj)
		if len(ck.details) > 0 {
			return errorResponse(http.StatusBadRequest, fmt.Sprintf("The request body has %d error(s)", len(ck.details)), ck.details...)
		}
		if len(rm.menus) >= richMenuMaxAccounts {
			return errorResponse(http.StatusBadRequest, "The number of rich menus has reached the upper limit")
		}
		if !withinHour(&rm.creates, now) {
			return injectedResponse(http.StatusTooManyRequests)
		}
		rm.creates = append(rm.creates, now)
		rm.nextMenu++
		id := fmt.Sprintf("richmenu-%032x", rm.nextMenu)
		raw, _ := json.Marshal(obj)
		size, _ := obj["size"].(map[string]any)
		w, _ := size["width"].(float64)
		hgt, _ := size["height"].(float64)
		name, _ := str(obj, "name")
		bar, _ := str(obj, "chatBarText")
		rm.menus[id] = &RichMenu{ID: id, Object: raw, Name: name, ChatBarText: bar, Width: int(w), Height: int(hgt)}
		rm.order = append(rm.order, id)
		return response{status: http.StatusOK, body: map[string]any{"richMenuId": id}}
	case line.EndpointRichMenuImage:
		m, ok := rm.menus[params[1]]
		if !ok {
			return errorResponse(http.StatusNotFound, "Not found")
		}
		if params[0] == http.MethodGet {
			if m.Image == nil {
				return errorResponse(http.StatusNotFound, "Not found")
			}
			return response{status: http.StatusOK, raw: m.Image, header: map[string]string{"Content-Type": m.ContentType}}
		}
		return s.uploadImage(m, h.Get("Content-Type"), body)
	case line.EndpointRichMenuDelete:
		if !withinHour(&rm.deletes, now) {
			return injectedResponse(http.StatusTooManyRequests)
		}
		if params[0] == "alias" {
			if _, ok := rm.aliases[params[1]]; !ok {
				return errorResponse(http.StatusBadRequest, "richmenu alias not found")
			}
			rm.deletes = append(rm.deletes, now)
			delete(rm.aliases, params[1])
			return response{status: http.StatusOK, body: map[string]any{}}
		}
		id := params[1]
		if _, ok := rm.menus[id]; !ok {
			return errorResponse(http.StatusNotFound, "Not found")
		}
		rm.deletes = append(rm.deletes, now)
		delete(rm.menus, id)
		rm.order = slices.DeleteFunc(rm.order, func(x string) bool { return x == id })
		if rm.def == id {
			rm.def = ""
		}
		for u, l := range rm.links {
			if l == id {
				delete(rm.links, u)
			}
		}
		return response{status: http.StatusOK, body: map[string]any{}}
	case line.EndpointRichMenuLink:
		switch params[0] {
		case "get-default":
			if rm.def == "" {
				return errorResponse(http.StatusNotFound, "no default richmenu")
			}
			return response{status: http.StatusOK, body: map[string]any{"richMenuId": rm.def}}
		case "default":
			if r := s.usable(params[1]); r != nil {
				return *r
			}
			rm.def = params[1]
		case "link":
			if !line.IsUserID(params[1]) {
				return errorResponse(http.StatusBadRequest, "The value for the 'userId' parameter is invalid")
			}
			if r := s.usable(params[2]); r != nil {
				return *r
			}
			rm.links[params[1]] = params[2]
		case "unlink":
			if !line.IsUserID(params[1]) {
				return errorResponse(http.StatusBadRequest, "The value for the 'userId' parameter is invalid")
			}
			delete(rm.links, params[1])
		}
		return response{status: http.StatusOK, body: map[string]any{}}
	case line.EndpointRichMenuBulk:
		path := "/v2/bot/richmenu/bulk/" + params[0]
		obj, bad := s.decodeChecked(path, http.MethodPost, body)
		if bad != nil {
			return *bad
		}
		ids, _ := obj["userIds"].([]any)
		ck := &checker{}
		for i, v := range ids {
			if id, _ := v.(string); !line.IsUserID(id) {
				ck.add(idx("userIds", i), "Must be a user ID")
			}
		}
		if len(ck.details) > 0 {
			return errorResponse(http.StatusBadRequest, fmt.Sprintf("The request body has %d error(s)", len(ck.details)), ck.details...)
		}
		menu, _ := str(obj, "richMenuId")
		if params[0] == "link" {
			if r := s.usable(menu); r != nil {
				return *r
			}
		}
		for _, v := range ids {
			if params[0] == "link" {
				rm.links[v.(string)] = menu
			} else {
				delete(rm.links, v.(string))
			}
		}
		return response{status: http.StatusAccepted, body: map[string]any{}}
	case line.EndpointRichMenuAlias:
		switch params[0] {
		case "list":
			list := []any{}
			keys := make([]string, 0, len(rm.aliases))
			for k := range rm.aliases {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				list = append(list, map[string]any{"richMenuAliasId": k, "richMenuId": rm.aliases[k]})
			}
			return response{status: http.StatusOK, body: map[string]any{"aliases": list}}
		case "create", "update":
			path, alias := "/v2/bot/richmenu/alias", ""
			if params[0] == "update" {
				path, alias = "/v2/bot/richmenu/alias/{richMenuAliasId}", params[1]
			}
			obj, bad := s.decodeChecked(path, http.MethodPost, body)
			if bad != nil {
				return *bad
			}
			if params[0] == "create" {
				alias, _ = str(obj, "richMenuAliasId")
				if _, dup := rm.aliases[alias]; dup {
					return errorResponse(http.StatusBadRequest, "conflict richmenu alias id")
				}
			} else if _, ok := rm.aliases[alias]; !ok {
				return errorResponse(http.StatusBadRequest, "richmenu alias not found")
			}
			menu, _ := str(obj, "richMenuId")
			if r := s.usable(menu); r != nil {
				return *r
			}
			rm.aliases[alias] = menu
			return response{status: http.StatusOK, body: map[string]any{}}
		}
	}
	return errorResponse(http.StatusNotFound, "Not found")
}

// usable answers the error LINE gives for linking, defaulting or aliasing a menu that does not
// exist or has no image yet; nil when the menu can be used.
func (s *Server) usable(id string) *response {
	m, ok := s.rm.menus[id]
	switch {
	case !ok:
		r := errorResponse(http.StatusBadRequest, "richmenu not found")
		return &r
	case m.Image == nil:
		r := errorResponse(http.StatusBadRequest, "must upload richmenu image before applying it to user")
		return &r
	}
	return nil
}

// uploadImage checks and stores a rich menu image (row 34): JPEG or PNG, at most 1 MB, of the
// menu's own size, uploaded once.
func (s *Server) uploadImage(m *RichMenu, contentType string, body []byte) response {
	if contentType != "image/png" && contentType != "image/jpeg" {
		return errorResponse(http.StatusUnsupportedMediaType, "Unsupported Media Type: the image must be image/jpeg or image/png")
	}
	if m.Image != nil {
		return errorResponse(http.StatusBadRequest, "An image has already been uploaded to the richmenu")
	}
	if len(body) > richMenuMaxImage {
		return errorResponse(http.StatusRequestEntityTooLarge, "Request Entity Too Large: the image is larger than 1 MB")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil || "image/"+format != contentType {
		return errorResponse(http.StatusBadRequest, "The image could not be read as "+contentType)
	}
	if cfg.Width != m.Width || cfg.Height != m.Height {
		return errorResponse(http.StatusBadRequest, fmt.Sprintf("The image is %d×%d px but the rich menu is %d×%d", cfg.Width, cfg.Height, m.Width, m.Height))
	}
	m.Image, m.ContentType = slices.Clone(body), contentType
	return response{status: http.StatusOK, body: map[string]any{}}
}

// decodeChecked parses a JSON object body and validates it against the OpenAPI request schema
// of method on path; bad is the 400 to answer, if any.
func (s *Server) decodeChecked(path, method string, body []byte) (obj map[string]any, bad *response) {
	var generic any
	if err := json.Unmarshal(body, &generic); err != nil {
		r := errorResponse(http.StatusBadRequest, "The request body could not be parsed as JSON")
		return nil, &r
	}
	obj, ok := generic.(map[string]any)
	if !ok {
		r := errorResponse(http.StatusBadRequest, "The request body has 1 error(s)", detail{Message: "Must be a JSON object of the documented shape"})
		return nil, &r
	}
	dropNulls(obj)
	ck := &checker{}
	ck.checkPathSchema(path, method, obj)
	if len(ck.details) > 0 {
		r := errorResponse(http.StatusBadRequest, fmt.Sprintf("The request body has %d error(s)", len(ck.details)), ck.details...)
		return nil, &r
	}
	return obj, nil
}

// checkRichMenu applies rows 34–35 to a rich menu object: size, chatBarText and name lengths in
// grapheme clusters, at most 20 areas lying inside the image, each with a valid action. (The
// OpenAPI schema, checked before, also caps chatBarText at 14 code points; the stand-in keeps
// both rules, so what it accepts LINE accepts under either reading.)
func (c *checker) checkRichMenu(o map[string]any) {
	size, _ := o["size"].(map[string]any)
	w, _ := size["width"].(float64)
	h, _ := size["height"].(float64)
	switch {
	case size == nil:
		c.add("size", "May not be empty")
	case w < richMenuMinWidth || w > richMenuMaxWidth:
		c.add("size.width", fmt.Sprintf("Must be between %d and %d", richMenuMinWidth, richMenuMaxWidth))
	case h < richMenuMinHeight:
		c.add("size.height", fmt.Sprintf("Must be at least %d", richMenuMinHeight))
	case w/h < richMenuMinRatio:
		c.add("size", "The aspect ratio (width / height) must be at least 1.45")
	}
	if _, ok := o["selected"].(bool); !ok {
		c.add("selected", "May not be empty")
	}
	if name, _ := str(o, "name"); name == "" || graphemes(name) > richMenuMaxName {
		c.add("name", lengthMsg(1, richMenuMaxName))
	}
	if bar, _ := str(o, "chatBarText"); bar == "" || graphemes(bar) > richMenuMaxChatBar {
		c.add("chatBarText", lengthMsg(1, richMenuMaxChatBar))
	}
	schema := &checker{} // the actions' OpenAPI schemas; LINE-worded details win per property
	defer c.merge(schema)
	areas, _ := o["areas"].([]any)
	if len(areas) > richMenuMaxAreas {
		c.add("areas", sizeMsg(0, richMenuMaxAreas))
	}
	for i, a := range areas {
		prop := idx("areas", i)
		ao, _ := a.(map[string]any)
		b, _ := ao["bounds"].(map[string]any)
		x, _ := b["x"].(float64)
		y, _ := b["y"].(float64)
		bw, _ := b["width"].(float64)
		bh, _ := b["height"].(float64)
		if b == nil || bw <= 0 || bh <= 0 || x < 0 || y < 0 || x+bw > w || y+bh > h {
			c.add(prop+".bounds", "Must lie within the rich menu's size")
		}
		act, ok := ao["action"].(map[string]any)
		if !ok {
			c.add(prop+".action", "May not be empty")
			continue
		}
		c.checkAction(prop+".action", act, richMenuMaxLabel, false)
		schema.checkActionSchema(prop+".action", act)
	}
}
