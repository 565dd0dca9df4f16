package handlers

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/ssonet/ssonet/bot"
	"github.com/ssonet/ssonet/store/sqlitestore"
	"github.com/ssonet/ssonet/store/storetest"
)

func (f *simFixture) history(t *testing.T, user string) []simEntry {
	t.Helper()
	res, err := http.Get(f.url + "/simulator/api/history?userId=" + user + "&after=0")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Entries []simEntry
		Next    int64
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("history: %d %v", res.StatusCode, err)
	}
	return out.Entries
}

// TestSimulatorStickerImageLocation sends each kind of message as LINE would: the engine gets a
// message event without text, and the history shows what the user sent and the answer.
func TestSimulatorStickerImageLocation(t *testing.T) {
	f := newSimFixture(t)
	user := SimulatorPresets()[0].UserID
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4)))
	photo := "data:image/png;base64," + base64Std(buf.Bytes())
	for _, ev := range []SimEvent{
		{UserID: user, Type: "message", MessageType: "sticker", Sticker: &SimSticker{PackageID: "446", StickerID: "1988"}},
		{UserID: user, Type: "message", MessageType: "image", Image: photo},
		{UserID: user, Type: "message", MessageType: "location", Location: &SimLocation{Title: "สำนักงาน", Address: "นนทบุรี", Latitude: 13.88, Longitude: 100.51}},
	} {
		got, seen := f.postEvent(t, ev)
		if seen.Kind != bot.KindMessage || seen.Text != "" || seen.ReplyToken == "" {
			t.Errorf("%s reached the engine as %+v", ev.MessageType, seen)
		}
		if got.WebhookStatus != http.StatusOK || len(got.Deliveries) != 1 {
			t.Errorf("%s: %+v, want the bot's answer", ev.MessageType, got)
		}
	}
	h := f.history(t, user)
	if len(h) != 6 {
		t.Fatalf("history %+v, want 3 sent and 3 answers", h)
	}
	if h[0].From != "me" || h[0].Sticker == nil || h[0].Sticker.StickerID != "1988" || h[1].From != "bot" || h[1].Via != "reply" {
		t.Errorf("sticker and answer: %+v %+v", h[0], h[1])
	}
	if h[2].Image != photo || h[4].Location == nil || h[4].Location.Title != "สำนักงาน" {
		t.Errorf("image %+v, location %+v", h[2], h[4])
	}
	for _, bad := range []string{
		`{"userId":"` + user + `","type":"message","messageType":"image","image":"https://example.com/x.png"}`,
		`{"userId":"` + user + `","type":"message","messageType":"location","location":{"latitude":91,"longitude":0}}`,
		`{"userId":"` + user + `","type":"message","messageType":"sticker"}`,
		`{"userId":"` + user + `","type":"message","messageType":"video"}`,
	} {
		res, err := http.Post(f.url+"/simulator/api/events", "application/json", strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, res.StatusCode)
		}
	}
}

// TestSimulatorHistorySurvivesRestart: users made in the page and the chat are read back by a
// new simulator on the same embedded store (a restart).
func TestSimulatorHistorySurvivesRestart(t *testing.T) {
	sealer := storetest.NewSealer(t)
	st, err := sqlitestore.Open(t.TempDir(), sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	f := newSimFixtureWith(t, st)
	res, err := http.Post(f.url+"/simulator/api/users", "application/json", strings.NewReader(`{"displayName":"คนใหม่","language":"th"}`))
	if err != nil {
		t.Fatal(err)
	}
	var u SimUser
	_ = json.NewDecoder(res.Body).Decode(&u)
	res.Body.Close()
	f.postEvent(t, SimEvent{UserID: u.UserID, Type: "message", Text: "สวัสดีค่ะ"})

	again := newSimFixtureWith(t, st) // a new process: a fresh stand-in, the same store
	var list struct{ Users []SimUser }
	res, err = http.Get(again.url + "/simulator/api/users")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(res.Body).Decode(&list)
	res.Body.Close()
	if list.Users[len(list.Users)-1] != u {
		t.Errorf("users after the restart %+v, want %+v last", list.Users, u)
	}
	h := again.history(t, u.UserID)
	if len(h) != 2 || h[0].Text != "สวัสดีค่ะ" || h[1].From != "bot" {
		t.Errorf("history after the restart: %+v", h)
	}
	// The new stand-in knows the user's profile again.
	if p, err := again.engine.client.Profile(context.Background(), u.UserID); err != nil || p.DisplayName != "คนใหม่" {
		t.Errorf("profile after restart %+v %v", p, err)
	}
}

// TestSimulatorRichMenu serves the user's menu with its image, and a tab tap switches it
// through the alias as LINE does, with LINE's switch params on the postback.
func TestSimulatorRichMenu(t *testing.T) {
	f := newSimFixture(t)
	ctx := context.Background()
	c := f.engine.client
	user := SimulatorPresets()[0].UserID
	mk := func(name string) string {
		id, err := c.CreateRichMenu(ctx, &messaging_api.RichMenuRequest{Size: &messaging_api.RichMenuSize{Width: 800, Height: 540},
			Selected: true, Name: name, ChatBarText: name, Areas: []messaging_api.RichMenuArea{{
				Bounds: &messaging_api.RichMenuBounds{Width: 800, Height: 540},
				Action: &messaging_api.RichMenuSwitchAction{Label: "tab", RichMenuAliasId: "tab-b", Data: "a=rm.tab"}}}})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 800, 540)))
		if err := c.UploadRichMenuImage(ctx, id, "image/png", buf.Bytes()); err != nil {
			t.Fatal(err)
		}
		return id
	}
	a, b := mk("a"), mk("b")
	if err := c.SetDefaultRichMenu(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRichMenuAlias(ctx, "tab-b", b, false); err != nil {
		t.Fatal(err)
	}
	menu := func() simRichMenu {
		res, err := http.Get(f.url + "/simulator/api/richmenu?userId=" + user)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct{ Menu simRichMenu }
		_ = json.NewDecoder(res.Body).Decode(&out)
		return out.Menu
	}
	m := menu()
	if m.ID != a || m.ChatBarText != "a" || !strings.Contains(string(m.Areas), "richmenuswitch") {
		t.Fatalf("menu %+v, want the default a", m)
	}
	res, err := http.Get(f.url + m.Image)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("image: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	_, ev := f.postEvent(t, SimEvent{UserID: user, Type: "postback", Data: "a=rm.tab", RichMenuAliasID: "tab-b"})
	if ev.Params["newRichMenuAliasId"] != "tab-b" || ev.Params["status"] != "SUCCESS" {
		t.Errorf("switch postback params %v", ev.Params)
	}
	if m := menu(); m.ID != b {
		t.Errorf("after the tab tap the user sees %s, want b", m.ID)
	}
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
