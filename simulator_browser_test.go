package main

import (
	"bytes"
	"cmp"
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
	"strings"
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

// simShotsDir receives the simulator's screenshots (SIM_SHOTS names another directory).
var simShotsDir = cmp.Or(os.Getenv("SIM_SHOTS"), filepath.Join(os.TempDir(), "sim-shots"))

// shot saves a screenshot of the viewport in simShotsDir for people to look at.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := simShotsDir
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

// TestSimulatorHandOffInBrowser follows a hand-off in the page at a phone's and a laptop's
// size. The member asks for a person, says what it is about (acknowledged, with the way back
// as a quick reply) and adds a line the bot leaves to the officer: their own bubble is last,
// yet the way back stays under the chat, and tapping it takes them back. The officer's notice
// carries the console link: a long link wraps only between its parts (at "/", "?", "&", "#",
// "=", "-"), never inside "console", "cases" or a part of the case's ID.
func TestSimulatorHandOffInBrowser(t *testing.T) {
	for _, vp := range []struct{ w, h int }{{390, 844}, {1280, 900}} {
		t.Run(fmt.Sprintf("%dx%d", vp.w, vp.h), func(t *testing.T) {
			logs := &logSink{}
			url := startRun(t, map[string]string{"PORT": "0", "DATA_DIR": t.TempDir()}, logs).addr
			ctx := simTab(t, vp.w, vp.h)
			member, officer := handlers.SimulatorPresets()[2].UserID, handlers.SimulatorPresets()[3].UserID
			for _, s := range []string{"คุยกับเจ้าหน้าที่", "อยากถามเรื่องเงินสมทบค่ะ", "ส่งเอกสารไปแล้วเมื่อวาน"} {
				simEvent(t, url, map[string]any{"userId": member, "type": "message", "text": s})
			}
			const back = "กลับไปคุยกับระบบอัตโนมัติ"
			quick := `[...document.querySelectorAll("#quick button")].map((b) => b.textContent)`
			err := chromedp.Do(ctx,
				chromedp.Navigate(url+"/simulator"),
				chromedp.Evaluate[chromedp.Void](`localStorage.setItem("ssonet.sim.user", "`+member+`")`),
				chromedp.Reload(), chromedp.WaitReady("#log"),
				chromedp.Poll[chromedp.Void](`[...document.querySelectorAll(".row")].at(-1)?.matches(".row.me") && [...document.querySelectorAll(".row.me .bubble")].at(-1).textContent === "ส่งเอกสารไปแล้วเมื่อวาน"`),
			)
			if err != nil {
				t.Fatal(err)
			}
			shot(t, ctx, fmt.Sprintf("handoff-member-%dx%d", vp.w, vp.h))
			got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](quick))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != back {
				t.Fatalf("quick replies under the member's last line: %q, want the way back %q", got, back)
			}
			checkLayout(t, ctx)

			// Two polls at once (the page's timer and a send) add each entry once.
			rows := `document.querySelectorAll(".row").length`
			n, err := chromedp.Run(ctx, chromedp.Evaluate[int](rows))
			if err != nil {
				t.Fatal(err)
			}
			simEvent(t, url, map[string]any{"userId": member, "type": "message", "text": "รอได้ค่ะ"})
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`Promise.all([refresh(), refresh()])`, chromedp.EvalAwaitPromise)); err != nil {
				t.Fatal(err)
			}
			if m, err := chromedp.Run(ctx, chromedp.Evaluate[int](rows)); err != nil || m != n+1 {
				t.Fatalf("after one more line and two polls at once: %d rows, want %d (%v)", m, n+1, err)
			}
			if got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](quick)); err != nil || len(got) != 1 || got[0] != back {
				t.Fatalf("quick replies after a further line: %q (%v), want %q", got, err, back)
			}

			// The way back, tapped: the bot answers again, with the menu's quick replies.
			sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			err = chromedp.Do(sctx, clickCentre(`#quick button`),
				chromedp.Poll[chromedp.Void](`[...document.querySelectorAll(".row.me .bubble")].at(-1)?.textContent === "`+back+`" && document.querySelector(".row:last-child").matches(".row.bot")`),
				chromedp.Poll[chromedp.Void](`![...document.querySelectorAll("#quick button")].some((b) => b.textContent === "`+back+`")`),
			)
			if err != nil {
				dump, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll(".row")].slice(-3).map((r) => r.className + ":" + r.textContent.slice(0, 60)).join(" / ") + " | quick: " + `+quick))
				t.Fatalf("the way back: %v (page: %s)", err, dump)
			}

			// The officer's notices: the console link wraps between its parts only.
			err = chromedp.Do(ctx,
				chromedp.Evaluate[chromedp.Void](`localStorage.setItem("ssonet.sim.user", "`+officer+`")`),
				chromedp.Reload(), chromedp.WaitReady("#log"),
				chromedp.Poll[chromedp.Void](`[...document.querySelectorAll(".row.bot .bubble")].filter((b) => b.textContent.includes("/console/cases/")).length >= 2`),
			)
			if err != nil {
				t.Fatal(err)
			}
			shot(t, ctx, fmt.Sprintf("handoff-officer-%dx%d", vp.w, vp.h))
			checkLayout(t, ctx)
			breaks, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](linkBreaks(".row.bot .bubble")))
			if err != nil {
				t.Fatal(err)
			}
			if len(breaks) == 0 {
				t.Fatal("no console link found in the officer's notices")
			}
			for _, b := range breaks {
				if b != "" {
					t.Errorf("the console link breaks mid-word: %s", b)
				}
			}
			// The page and the browser's own requests (/favicon.ico) find what they ask for.
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "status=404") {
					t.Errorf("a request was not found: %s", l)
				}
			}
		})
	}
}

// linkBreaks is a script that finds the http(s) link in each bubble that bubbles selects and
// answers, per link, "" when every line break inside it falls before "/", "?", "&" or "#",
// after "=" or "-" (the hyphens of a case's ID), or inside a part wider than the bubble (where
// nothing else can be done), else the link with "|" where it breaks.
func linkBreaks(bubbles string) string {
	return `((sel) => {
	const out = [];
	for (const b of document.querySelectorAll(sel)) {
		const text = b.textContent, m = text.match(/https?:\/\/[!#-;=?-~]+/);
		if (!m) continue;
		// Each character of the link with the line it sits on.
		const chars = [], walk = document.createTreeWalker(b, NodeFilter.SHOW_TEXT);
		let pos = 0;
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			for (let i = 0; i < n.data.length; i++, pos++) {
				if (pos < m.index || pos >= m.index + m[0].length) continue;
				const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
				const rect = r.getClientRects()[0];
				chars.push({ c: n.data[i], top: rect ? Math.round(rect.top) : -1 });
			}
		}
		const cs = getComputedStyle(b), width = b.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
		let shown = "", bad = false;
		for (let i = 0; i < chars.length; i++) {
			if (i > 0 && chars[i].top > chars[i - 1].top + 2) {
				shown += "|";
				const ok = "/?&#".includes(chars[i].c) || "=-".includes(chars[i - 1].c) || (i >= 3 && chars[i - 3].c === ":" && chars[i - 1].c === "/");
				if (!ok) {
					// A break inside a part is fine only when that part alone is wider than the line.
					let s = i; while (s > 0 && !"/?&#".includes(chars[s].c)) s--;
					let e = i; while (e < chars.length && !"/?&#".includes(chars[e].c)) e++;
					const probe = document.createElement("span");
					probe.style.whiteSpace = "nowrap"; probe.textContent = chars.slice(s, e).map((x) => x.c).join("");
					b.append(probe); const w = probe.getBoundingClientRect().width; probe.remove();
					if (w <= width) bad = true;
				}
			}
			shown += chars[i].c;
		}
		out.push(bad ? shown : "");
	}
	return out;
})(` + strconv.Quote(bubbles) + `)`
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
