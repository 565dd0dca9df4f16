package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ssonet/ssonet/handlers"
)

// simTab is a browser tab (console_e2e_test.go's newTab) with a w×h viewport.
func simTab(t *testing.T, w, h int) context.Context {
	t.Helper()
	tab := newTab(t)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatal(err)
	}
	return tab
}

// simEvent posts one simulator event, as the page does.
func simEvent(t *testing.T, url string, ev map[string]any) {
	t.Helper()
	b, _ := json.Marshal(ev)
	res, err := http.Post(url+"/simulator/api/events", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("event %v: %d", ev, res.StatusCode)
	}
}

// shot saves a screenshot of the viewport in /tmp/sim-shots for people to look at.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(os.TempDir(), "sim-shots")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
}

// TestSimulatorInBrowser drives the simulator page at a phone's and a laptop's size: the page
// never scrolls sideways, the input stays on screen after 20 messages and a reload (the chat is
// kept), the rich menu is drawn from its image and a tap on an area sends its message, and the
// columns of a flex card keep their flex ratios.
func TestSimulatorInBrowser(t *testing.T) {
	for _, vp := range []struct{ w, h int }{{390, 844}, {1280, 900}} {
		t.Run(fmt.Sprintf("%dx%d", vp.w, vp.h), func(t *testing.T) {
			url := startRun(t, map[string]string{"PORT": "0", "DATA_DIR": t.TempDir()}, &logSink{}).addr
			ctx := simTab(t, vp.w, vp.h)
			user := handlers.SimulatorPresets()[2].UserID // the worker: a newcomer's menu

			// 20 messages, typed through the API, then the page opens on that chat.
			simEvent(t, url, map[string]any{"userId": user, "type": "follow"})
			for i := range 19 {
				simEvent(t, url, map[string]any{"userId": user, "type": "message", "text": fmt.Sprintf("ข้อความที่ %d", i+1)})
			}
			err := chromedp.Do(ctx,
				chromedp.Navigate(url+"/simulator"),
				chromedp.Evaluate[chromedp.Void](`localStorage.setItem("ssonet.sim.user", "`+user+`")`),
				chromedp.Reload(), chromedp.WaitReady("#richmenu"),
				chromedp.Poll[chromedp.Void](`(() => { const i = document.querySelector("#richmenu:not([hidden]) img"); return i && i.complete && i.naturalWidth > 0 && document.querySelectorAll(".row.me").length >= 19; })()`),
			)
			if err != nil {
				t.Fatal(err)
			}
			shot(t, ctx, fmt.Sprintf("chat-%dx%d", vp.w, vp.h))
			checkLayout(t, ctx)

			// A reload keeps the user's own messages (they come from the stored history).
			if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitReady("#richmenu"),
				chromedp.Poll[chromedp.Void](`document.querySelectorAll(".row.me").length >= 19`)); err != nil {
				t.Fatalf("after a reload: %v", err)
			}

			// A tap on the rich menu's "มาตรา 40" area sends that message and gets the answer.
			before, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".row.bot").length`))
			if err != nil {
				t.Fatal(err)
			}
			err = chromedp.Do(ctx,
				chromedp.Click(`#richmenu .rm-area[aria-label="มาตรา 40"]`),
				chromedp.Poll[chromedp.Void](`[...document.querySelectorAll(".row.me .bubble")].some((b) => b.textContent === "มาตรา 40")`),
				chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelectorAll(".row.bot").length > %d`, before)),
			)
			if err != nil {
				t.Fatalf("rich menu tap: %v", err)
			}
			shot(t, ctx, fmt.Sprintf("richmenu-tap-%dx%d", vp.w, vp.h))
			checkLayout(t, ctx)

			// Typing in the input, a sticker, a photo and a location from the + tray: each shows
			// as the user's bubble and gets the bot's answer.
			photo := filepath.Join(t.TempDir(), "photo.png")
			if err := os.WriteFile(photo, testPNG(t), 0o644); err != nil {
				t.Fatal(err)
			}
			answered := func(n int) chromedp.Action[chromedp.Void] {
				return chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelectorAll(".row.bot").length >= %d`, n))
			}
			bots := func() int {
				n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".row.bot").length`))
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			n := bots()
			for i, step := range [][]chromedp.Action[chromedp.Void]{
				{chromedp.SendKeys(`#text`, "สวัสดีค่ะ\r"), // typed, then Enter
					chromedp.Poll[chromedp.Void](`[...document.querySelectorAll(".row.me .bubble")].some((b) => b.textContent === "สวัสดีค่ะ")`)},
				{chromedp.SendKeys(`#text`, "thanks"), clickCentre(`#sendbtn`), // typed, then the ส่ง button
					chromedp.Poll[chromedp.Void](`[...document.querySelectorAll(".row.me .bubble")].some((b) => b.textContent === "thanks")`)},
				{chromedp.Click(`#plus`), chromedp.Click(`#stickers button`), chromedp.Poll[chromedp.Void](`document.querySelector(".row.me .sticker") !== null`)},
				{chromedp.Click(`#plus`), chromedp.SetUploadFiles(`#photo`, []string{photo}), chromedp.Poll[chromedp.Void](`document.querySelector(".row.me img.photo") !== null`)},
				{chromedp.Click(`#plus`), chromedp.Click(`#place`), chromedp.Poll[chromedp.Void](`document.querySelector(".row.me .place") !== null`)},
			} {
				sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				err := chromedp.Do(sctx, append(step, answered(n+i+1))...)
				cancel()
				if err != nil {
					dump, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("text").value + " | " + document.querySelectorAll(".row.bot").length + " | " + [...document.querySelectorAll(".row")].slice(-3).map((r) => r.className + ":" + r.textContent.slice(0, 40)).join(" / ")`))
					t.Fatalf("step %d of text, sticker, photo, location: %v (page: %s, bots before %d)", i, err, dump, n)
				}
			}
			shot(t, ctx, fmt.Sprintf("media-%dx%d", vp.w, vp.h))
			checkLayout(t, ctx)

			// The registration summary: rows of label 3, value 5, edit button 2.
			for _, s := range []string{"สมัครแกนนำ", "สมชาย ขยันงาน", "0812345678", "เพชรบุรี", "ข้าม", "ข้าม", "ยินยอม"} {
				simEvent(t, url, map[string]any{"userId": user, "type": "message", "text": s})
			}
			if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitReady("#richmenu"), chromedp.Poll[chromedp.Void](`document.querySelectorAll(".fx-bubble .fx-h").length >= 5`)); err != nil {
				t.Fatal(err)
			}
			shot(t, ctx, fmt.Sprintf("flex-%dx%d", vp.w, vp.h))
			checkLayout(t, ctx)
			rows, err := chromedp.Run(ctx, chromedp.Evaluate[[][][2]float64](`[...document.querySelectorAll(".fx-bubble .fx-h")].slice(-5).map((row) =>
				[...row.children].map((c) => [parseFloat(c.style.flexGrow) || 0, c.getBoundingClientRect().width]))`))
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, row := range rows {
				var flexSum, widthSum float64
				for _, c := range row {
					flexSum += c[0]
					widthSum += c[1]
				}
				if flexSum == 0 || len(row) < 2 {
					continue
				}
				checked++
				for i, c := range row {
					if got, want := c[1]/widthSum, c[0]/flexSum; math.Abs(got-want) > 0.02 {
						t.Errorf("column %d of %v takes %.3f of the row, its flex says %.3f", i, row, got, want)
					}
				}
			}
			if checked == 0 {
				t.Fatalf("no flex row with ratios found: %v", rows)
			}

			// The officer persona applies as a leader: the officer menu gets a leader tab, and a
			// tap on it shows the leader page.
			officer := handlers.SimulatorPresets()[3].UserID
			for _, s := range []string{"สมัครแกนนำ", "วิไลวรรณ ศรีสุข", "0812345679", "นนทบุรี", "ข้าม", "ข้าม", "ยินยอม", "ยืนยัน"} {
				simEvent(t, url, map[string]any{"userId": officer, "type": "message", "text": s})
			}
			menuShown := `(() => { const b = document.getElementById("richmenu"), i = b.querySelector("img"); return !b.hidden && i && i.complete && i.naturalWidth > 0 && b.dataset.id; })()`
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`localStorage.setItem("ssonet.sim.user", "`+officer+`")`), chromedp.Reload(), chromedp.WaitReady("#richmenu")); err != nil {
				t.Fatal(err)
			}
			officerMenu, err := chromedp.Run(ctx, chromedp.Poll[string](menuShown))
			if err != nil {
				t.Fatal(err)
			}
			err = chromedp.Do(ctx, chromedp.Click(`#richmenu .rm-area[aria-label="แกนนำ"]`),
				chromedp.Poll[chromedp.Void](`document.getElementById("richmenu").dataset.id !== "`+officerMenu+`" && `+menuShown))
			if err != nil {
				t.Fatalf("leader tab: %v", err)
			}
			shot(t, ctx, fmt.Sprintf("tab-leader-%dx%d", vp.w, vp.h))
			checkLayout(t, ctx)
		})
	}
}

// checkLayout: nothing wider than the viewport, the input inside it.
func checkLayout(t *testing.T, ctx context.Context) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](`(() => {
		const r = document.getElementById("text").getBoundingClientRect();
		return { scrollW: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth), innerW: window.innerWidth,
			innerH: window.innerHeight, top: r.top, bottom: r.bottom, left: r.left, right: r.right,
			logScroll: document.getElementById("log").scrollWidth - document.getElementById("log").clientWidth };
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got["scrollW"] > got["innerW"] {
		t.Errorf("the page is %v px wide on a %v px screen: it scrolls sideways", got["scrollW"], got["innerW"])
	}
	if got["logScroll"] > 0 {
		t.Errorf("the chat log scrolls sideways by %v px", got["logScroll"])
	}
	if got["top"] < 0 || got["bottom"] > got["innerH"] || got["left"] < 0 || got["right"] > got["innerW"] {
		t.Errorf("the input at %v is not on the %v×%v screen", got, got["innerW"], got["innerH"])
	}
}

// testPNG is a small picture to send from the page.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{0x0B, 0x4E, 0xA2, 0xFF}), image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// clickCentre clicks the mouse at the centre of the element sel selects, as a finger would.
func clickCentre(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		xy, err := chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector(`+strconv.Quote(sel)+`).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)(ctx, t)
		if err != nil {
			return err
		}
		_, err = chromedp.MouseClickXY(xy[0], xy[1])(ctx, t)
		return err
	})
}
