package linetest_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/line/linetest"
)

func richClient(t *testing.T, s *linetest.Server) *line.Client {
	t.Helper()
	c, err := line.New(line.Config{BaseURL: s.URL(), DataBaseURL: s.DataURL(), AccessToken: token, RateLimits: map[string]line.RateLimit{}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func menuReq(w, h int, bar string, areas ...messaging_api.RichMenuArea) *messaging_api.RichMenuRequest {
	if areas == nil {
		areas = []messaging_api.RichMenuArea{{Bounds: &messaging_api.RichMenuBounds{Width: int64(w), Height: int64(h)},
			Action: &messaging_api.MessageAction{Label: "เมนู", Text: "เมนู"}}}
	}
	return &messaging_api.RichMenuRequest{Size: &messaging_api.RichMenuSize{Width: int64(w), Height: int64(h)},
		Selected: true, Name: "test menu", ChatBarText: bar, Areas: areas}
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func status(err error) int {
	var ae *line.APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

func details(err error) string {
	var ae *line.APIError
	if errors.As(err, &ae) {
		return strings.Join(ae.Details, "; ") + " " + ae.Message
	}
	return ""
}

func TestRichMenuLifecycle(t *testing.T) {
	s := linetest.NewServer(token)
	defer s.Close()
	c := richClient(t, s)
	ctx := context.Background()
	id, err := c.CreateRichMenu(ctx, menuReq(2500, 1686, "เจ้าหน้าที่"))
	if err != nil {
		t.Fatal(err)
	}
	u := userID(1)
	// IDs that would go into the URL path are refused before any call.
	n := len(s.Calls())
	if err := c.LinkRichMenu(ctx, "Ubad", id); !errors.Is(err, line.ErrInvalidUserID) {
		t.Errorf("bad user ID: %v", err)
	}
	if err := c.DeleteRichMenu(ctx, "../richmenu/list"); !errors.Is(err, line.ErrInvalidRichMenuID) {
		t.Errorf("bad menu ID: %v", err)
	}
	if err := c.SetRichMenuAlias(ctx, "Bad Alias", id, false); !errors.Is(err, line.ErrInvalidRichMenuID) {
		t.Errorf("bad alias ID: %v", err)
	}
	if len(s.Calls()) != n {
		t.Error("a refused ID reached the stand-in")
	}
	// Not usable before its image.
	if err := c.LinkRichMenu(ctx, u, id); status(err) != 400 {
		t.Errorf("link before the image: %v", err)
	}
	if err := c.SetDefaultRichMenu(ctx, id); status(err) != 400 {
		t.Errorf("default before the image: %v", err)
	}
	if has, err := c.HasRichMenuImage(ctx, id); err != nil || has {
		t.Errorf("HasRichMenuImage before upload = %v, %v", has, err)
	}
	// Wrong size, wrong type, then right; a second upload is refused (images cannot be replaced).
	if err := c.UploadRichMenuImage(ctx, id, "image/png", pngOf(t, 2500, 843)); status(err) != 400 {
		t.Errorf("image of another size: %v", err)
	}
	if err := c.UploadRichMenuImage(ctx, id, "image/gif", pngOf(t, 2500, 1686)); status(err) != 415 {
		t.Errorf("gif: %v", err)
	}
	if err := c.UploadRichMenuImage(ctx, id, "image/png", pngOf(t, 2500, 1686)); err != nil {
		t.Fatal(err)
	}
	if err := c.UploadRichMenuImage(ctx, id, "image/png", pngOf(t, 2500, 1686)); status(err) != 400 {
		t.Errorf("second upload: %v", err)
	}
	if has, err := c.HasRichMenuImage(ctx, id); err != nil || !has {
		t.Errorf("HasRichMenuImage after upload = %v, %v", has, err)
	}
	if def, err := c.DefaultRichMenu(ctx); err != nil || def != "" {
		t.Errorf("default before setting = %q, %v", def, err)
	}
	if err := c.SetDefaultRichMenu(ctx, id); err != nil {
		t.Fatal(err)
	}
	if def, err := c.DefaultRichMenu(ctx); err != nil || def != id {
		t.Errorf("default = %q, %v", def, err)
	}
	other, err := c.CreateRichMenu(ctx, menuReq(1200, 405, "อื่น"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UploadRichMenuImage(ctx, other, "image/png", pngOf(t, 1200, 405)); err != nil {
		t.Fatal(err)
	}
	if err := c.LinkRichMenu(ctx, u, other); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.RichMenuOf(u); m.ID != other {
		t.Errorf("linked user sees %s", m.ID)
	}
	if m, _ := s.RichMenuOf(userID(2)); m.ID != id {
		t.Errorf("other user sees %s, want the default", m.ID)
	}
	if err := c.LinkRichMenuBulk(ctx, []string{userID(3), userID(4)}, other); err != nil {
		t.Fatal(err)
	}
	if s.LinkedRichMenu(userID(4)) != other {
		t.Error("bulk link did not link")
	}
	if err := c.UnlinkRichMenuBulk(ctx, []string{userID(3)}); err != nil || s.LinkedRichMenu(userID(3)) != "" {
		t.Errorf("bulk unlink: %v", err)
	}
	if err := c.UnlinkRichMenu(ctx, u); err != nil || s.LinkedRichMenu(u) != "" {
		t.Errorf("unlink: %v", err)
	}
	// Aliases.
	if err := c.SetRichMenuAlias(ctx, "ssonet-a", id, false); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRichMenuAlias(ctx, "ssonet-a", other, false); status(err) != 400 {
		t.Errorf("duplicate alias: %v", err)
	}
	if err := c.SetRichMenuAlias(ctx, "ssonet-a", other, true); err != nil {
		t.Fatal(err)
	}
	if as, err := c.ListRichMenuAliases(ctx); err != nil || as["ssonet-a"] != other {
		t.Errorf("aliases %v, %v", as, err)
	}
	if err := c.DeleteRichMenuAlias(ctx, "ssonet-a"); err != nil {
		t.Fatal(err)
	}
	// List, delete: links and the default go with the menu.
	list, err := c.ListRichMenus(ctx)
	if err != nil || len(list) != 2 || list[0].RichMenuId != id || list[0].ChatBarText != "เจ้าหน้าที่" || len(list[0].Areas) != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if err := c.DeleteRichMenu(ctx, id); err != nil {
		t.Fatal(err)
	}
	if s.DefaultRichMenu() != "" {
		t.Error("deleted menu is still the default")
	}
	if err := c.DeleteRichMenu(ctx, id); !line.IsNotFound(err) {
		t.Errorf("second delete: %v", err)
	}
}

func TestRichMenuChecks(t *testing.T) {
	s := linetest.NewServer(token)
	defer s.Close()
	c := richClient(t, s)
	ctx := context.Background()
	area := func(x, y, w, h int64, a messaging_api.ActionInterface) messaging_api.RichMenuArea {
		return messaging_api.RichMenuArea{Bounds: &messaging_api.RichMenuBounds{X: x, Y: y, Width: w, Height: h}, Action: a}
	}
	msg := &messaging_api.MessageAction{Label: "ตกลง", Text: "ตกลง"}
	many := make([]messaging_api.RichMenuArea, 21)
	for i := range many {
		many[i] = area(int64(i*100), 0, 100, 100, msg)
	}
	for _, tc := range []struct {
		name string
		req  *messaging_api.RichMenuRequest
		want string
	}{
		{"too narrow", menuReq(799, 250, "เมนู"), "size.width"},
		{"too wide", menuReq(2501, 1686, "เมนู"), "size.width"},
		{"ratio", menuReq(2500, 1725, "เมนู"), "aspect ratio"},
		{"chatBarText 15 graphemes", menuReq(2500, 1686, "กขคฆงจฉชซฌญฎฏฐฑ"), "chatBarText"},
		{"21 areas", menuReq(2500, 1686, "เมนู", many...), "areas"},
		{"area outside", menuReq(2500, 1686, "เมนู", area(2000, 0, 501, 100, msg)), "areas[0].bounds"},
		{"label 21 graphemes", menuReq(2500, 1686, "เมนู", area(0, 0, 100, 100, &messaging_api.MessageAction{Label: strings.Repeat("ก", 21), Text: "ก"})), "areas[0].action.label"},
		{"message without text", menuReq(2500, 1686, "เมนู", area(0, 0, 100, 100, &messaging_api.MessageAction{Label: "ก"})), "areas[0].action.text"},
		{"switch alias too long", menuReq(2500, 1686, "เมนู", area(0, 0, 100, 100, &messaging_api.RichMenuSwitchAction{Label: "ก", Data: "x", RichMenuAliasId: strings.Repeat("a", 33)})), "richMenuAliasId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateRichMenu(ctx, tc.req)
			if status(err) != 400 || !strings.Contains(details(err), tc.want) {
				t.Errorf("got %v, want 400 naming %s", err, tc.want)
			}
		})
	}
	// The neighbours pass: 2500×1686, 14 graphemes, 20 areas, a switch action.
	ok := menuReq(2500, 1686, "กขคฆงจฉชซฌญฎฏฐ", append(many[:19], area(0, 1000, 2500, 686, &messaging_api.RichMenuSwitchAction{Label: "แท็บ", Data: "a=rm.tab", RichMenuAliasId: "ssonet-x"}))...)
	if _, err := c.CreateRichMenu(ctx, ok); err != nil {
		t.Errorf("a menu at the limits: %v", err)
	}
	if _, err := c.CreateRichMenu(ctx, menuReq(800, 551, "ก")); err != nil {
		t.Errorf("800 wide, ratio 1.452: %v", err)
	}
	// Bulk limits and user IDs.
	ids := make([]string, 501)
	for i := range ids {
		ids[i] = userID(i)
	}
	if err := c.LinkRichMenuBulk(ctx, ids, "richmenu-00000000000000000000000000000001"); !errors.Is(err, line.ErrTooManyRecipients) {
		t.Errorf("501 users: %v", err)
	}
	if err := c.LinkRichMenuBulk(ctx, []string{"Cgroup"}, "richmenu-00000000000000000000000000000001"); status(err) != 400 {
		t.Errorf("group ID in bulk link: %v", err)
	}
	// The image goes to the data API only.
	res, err := http.Post(s.URL()+"/v2/bot/richmenu/richmenu-00000000000000000000000000000001/content", "image/png", bytes.NewReader(pngOf(t, 2500, 1686)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("image upload to the Messaging API host answered %d, want 404 (row 42)", res.StatusCode)
	}
}

func TestRichMenuCreatesPerHour(t *testing.T) {
	s := linetest.NewServer(token)
	defer s.Close()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { return now })
	c := richClient(t, s)
	ctx := context.Background()
	for i := range 100 {
		if _, err := c.CreateRichMenu(ctx, menuReq(2500, 1686, "ก")); err != nil {
			t.Fatalf("create %d: %v", i+1, err)
		}
	}
	if _, err := c.CreateRichMenu(ctx, menuReq(2500, 1686, "ก")); status(err) != 429 {
		t.Errorf("101st create in an hour: %v, want 429", err)
	}
	now = now.Add(time.Hour)
	if _, err := c.CreateRichMenu(ctx, menuReq(2500, 1686, "ก")); err != nil {
		t.Errorf("create an hour later: %v", err)
	}
}
