package richmenu

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/rivo/uniseg"
)

var update = flag.Bool("update", false, "rewrite testdata/*.png golden images")

// TestMenusWithinLINELimits checks every built menu against line-platform.md rows 16, 18, 34
// and 35, and that the tap areas cover the image without overlapping.
func TestMenusWithinLINELimits(t *testing.T) {
	all, err := built()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(menus()) || all[0].Key != KeyNewcomer {
		t.Fatalf("built %d menus, first %q; want %d, newcomer first", len(all), all[0].Key, len(menus()))
	}
	names := map[string]bool{}
	for _, b := range all {
		t.Run(b.Key, func(t *testing.T) {
			if names[b.Name] {
				t.Errorf("name %q used twice", b.Name)
			}
			names[b.Name] = true
			if len(b.PNG) > 1<<20 {
				t.Errorf("PNG is %d bytes, over 1 MB", len(b.PNG))
			}
			img, err := png.Decode(bytes.NewReader(b.PNG))
			if err != nil {
				t.Fatal(err)
			}
			w, h := img.Bounds().Dx(), img.Bounds().Dy()
			if w < 800 || w > 2500 || h < 250 || float64(w)/float64(h) < 1.45 {
				t.Errorf("image %d×%d outside 800–2500 wide, ≥250 high, ratio ≥1.45", w, h)
			}
			if int64(w) != b.Request.Size.Width || int64(h) != b.Request.Size.Height {
				t.Errorf("image %d×%d, object size %v", w, h, *b.Request.Size)
			}
			if n := uniseg.GraphemeClusterCount(b.Request.ChatBarText); n < 1 || n > 14 || utf8.RuneCountInString(b.Request.ChatBarText) > 14 {
				t.Errorf("chatBarText %q: %d graphemes (1–14), and must stay within the OpenAPI maxLength 14", b.Request.ChatBarText, n)
			}
			if n := uniseg.GraphemeClusterCount(b.Name); n > 300 {
				t.Errorf("name has %d graphemes", n)
			}
			areas := b.Request.Areas
			if len(areas) < 1 || len(areas) > 20 {
				t.Fatalf("%d areas, want 1–20", len(areas))
			}
			covered := image.NewAlpha(image.Rect(0, 0, w, h))
			for i, a := range areas {
				r := image.Rect(int(a.Bounds.X), int(a.Bounds.Y), int(a.Bounds.X+a.Bounds.Width), int(a.Bounds.Y+a.Bounds.Height))
				if a.Bounds.X < 0 || a.Bounds.Y < 0 || !r.In(img.Bounds()) || r.Empty() {
					t.Errorf("area %d %v not within the %d×%d image", i, r, w, h)
				}
				if r.Dx() < 600 && r.Dy() < 200 {
					t.Errorf("area %d %v is small for a thumb", i, r)
				}
				for y := (r.Min.Y + 9) / 10 * 10; y < r.Max.Y; y += 10 { // grid points inside r
					for x := (r.Min.X + 9) / 10 * 10; x < r.Max.X; x += 10 {
						if covered.AlphaAt(x, y).A != 0 {
							t.Fatalf("area %d overlaps another at (%d,%d)", i, x, y)
						}
						covered.SetAlpha(x, y, color.Alpha{A: 1})
					}
				}
				switch act := a.Action.(type) {
				case *messaging_api.MessageAction:
					if n := uniseg.GraphemeClusterCount(act.Label); n < 1 || n > 20 {
						t.Errorf("area %d label %q: %d graphemes, want 1–20", i, act.Label, n)
					}
					if n := uniseg.GraphemeClusterCount(act.Text); n < 1 || n > 300 {
						t.Errorf("area %d text %q: %d graphemes", i, act.Text, n)
					}
				case *messaging_api.RichMenuSwitchAction:
					if !aliasRe(act.RichMenuAliasId) || len(act.Data) > 300 || uniseg.GraphemeClusterCount(act.Label) > 20 {
						t.Errorf("area %d switch %+v", i, act)
					}
				default:
					t.Errorf("area %d: action %T; buttons send a typeable message, tabs switch", i, act)
				}
			}
			for y := 0; y < h; y += 10 {
				for x := 0; x < w; x += 10 {
					if covered.AlphaAt(x, y).A == 0 {
						t.Fatalf("(%d,%d) is in no tap area", x, y)
					}
				}
			}
		})
	}
}

func aliasRe(s string) bool {
	if len(s) < 1 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// TestThaiLabelsHaveGlyphs checks that the fonts have a glyph for every character of every
// label (a missing one is drawn as glyph 0, a box: "tofu").
func TestThaiLabelsHaveGlyphs(t *testing.T) {
	ts, err := newTypesetter()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range menus() {
		for _, b := range m.buttons {
			if n := ts.notdef(b.label); n > 0 {
				t.Errorf("%s: %q has %d glyphs the fonts lack", m.key, b.label, n)
			}
		}
		for _, tb := range m.tabs {
			if n := ts.notdef(tb.label); n > 0 {
				t.Errorf("%s tab %q has %d glyphs the fonts lack", m.key, tb.label, n)
			}
		}
	}
	// The check itself can fail: a script the fonts do not cover is reported.
	if ts.notdef("日本語") == 0 {
		t.Error("notdef finds nothing in Japanese, which the fonts lack")
	}
}

// labelImage draws text as the menus do, black on white.
func labelImage(ts *typesetter, text string) *image.Gray {
	l := ts.shape(text, labelPx)
	img := image.NewGray(image.Rect(0, 0, int(l.advance)+20, int(l.ascent+l.descent)+20))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	l.draw(img, 10, 10+l.ascent, color.Black)
	return img
}

// diff is the mean absolute difference of two grey images, 0–255; images of different sizes
// differ by 255.
func diff(a, b *image.Gray) float64 {
	if a.Bounds() != b.Bounds() {
		return 255
	}
	sum := 0
	for i := range a.Pix {
		d := int(a.Pix[i]) - int(b.Pix[i])
		if d < 0 {
			d = -d
		}
		sum += d
	}
	return float64(sum) / float64(len(a.Pix))
}

// TestThaiLabelGolden compares a drawn Thai label, with stacked marks (ติดต่อเจ้าหน้าที่: a
// vowel and a tone mark on ที่), with testdata/label-golden.png (go test -run Golden -update
// rewrites it after an intended change; look at it before committing), and checks that it is
// far from the same label drawn as boxes.
func TestThaiLabelGolden(t *testing.T) {
	ts, err := newTypesetter()
	if err != nil {
		t.Fatal(err)
	}
	const label = "ติดต่อเจ้าหน้าที่"
	got := labelImage(ts, label)
	path := filepath.Join("testdata", "label-golden.png")
	if *update {
		var buf bytes.Buffer
		if err := png.Encode(&buf, got); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gi, err := png.Decode(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	want := image.NewGray(gi.Bounds())
	draw.Draw(want, want.Bounds(), gi, gi.Bounds().Min, draw.Src)
	if d := diff(got, want); d > 1 {
		t.Errorf("label differs from the golden image by %.2f grey levels per pixel (allowed 1)", d)
	}

	// The same label with its glyphs replaced by the fonts' notdef box.
	tofu := labelImage(ts, "日")
	if ts.notdef("日") == 0 {
		t.Fatal("expected 日 to have no glyph")
	}
	boxes := image.NewGray(got.Bounds())
	draw.Draw(boxes, boxes.Bounds(), image.White, image.Point{}, draw.Src)
	for x := 0; x < got.Bounds().Dx(); x += tofu.Bounds().Dx() - 20 {
		draw.Draw(boxes, tofu.Bounds().Add(image.Pt(x, 0)), tofu, image.Point{}, draw.Src)
	}
	if d := diff(got, boxes); d < 10 {
		t.Errorf("label is only %.2f grey levels per pixel from a row of boxes", d)
	}
	// Ink: a rendered label is neither blank nor a solid block.
	dark := 0
	for _, p := range got.Pix {
		if p < 128 {
			dark++
		}
	}
	if frac := float64(dark) / float64(len(got.Pix)); frac < 0.05 || frac > 0.5 {
		t.Errorf("%.0f%% of the label is ink", 100*frac)
	}
}
