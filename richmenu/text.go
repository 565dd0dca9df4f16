package richmenu

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// The fonts the images are drawn with, shipped under the SIL Open Font License 1.1
// (fonts/OFL.txt): Noto Sans Thai Bold for Thai, Noto Sans Bold for digits and Latin letters,
// which the Thai font lacks.
var (
	//go:embed fonts/NotoSansThai-Bold.ttf
	thaiTTF []byte
	//go:embed fonts/NotoSans-Bold.ttf
	latinTTF []byte
)

// faces is an ordered font fallback list: each rune is drawn with the first face that has it.
type faces []*font.Face

// ResolveFace implements shaping.Fontmap.
func (fs faces) ResolveFace(r rune) *font.Face {
	for _, f := range fs {
		if _, ok := f.NominalGlyph(r); ok {
			return f
		}
	}
	return fs[0]
}

// typesetter shapes text with HarfBuzz (go-text/typesetting), so Thai vowels and tone marks
// sit where the font's mark positioning puts them, and draws the glyph outlines.
type typesetter struct {
	faces  faces
	shaper shaping.HarfbuzzShaper
	seg    shaping.Segmenter
}

func newTypesetter() (*typesetter, error) {
	var fs faces
	for _, ttf := range [][]byte{thaiTTF, latinTTF} {
		f, err := font.ParseTTF(bytes.NewReader(ttf))
		if err != nil {
			return nil, fmt.Errorf("richmenu: font: %w", err)
		}
		fs = append(fs, f)
	}
	return &typesetter{faces: fs}, nil
}

// textLine is one shaped line of text.
type textLine struct {
	runs    []shaping.Output
	advance float64 // width in pixels
	ascent  float64 // above the baseline, pixels
	descent float64 // below the baseline, pixels (positive)
}

// shape shapes text (one line) at px pixels per em.
func (ts *typesetter) shape(text string, px float64) textLine {
	runes := []rune(text)
	in := shaping.Input{Text: runes, RunStart: 0, RunEnd: len(runes), Direction: di.DirectionLTR,
		Size: fixed.Int26_6(px * 64), Script: language.Thai, Language: language.NewLanguage("th")}
	var l textLine
	for _, part := range ts.seg.Split(in, ts.faces) {
		out := ts.shaper.Shape(part)
		l.runs = append(l.runs, out)
		l.advance += float64(out.Advance) / 64
		l.ascent = math.Max(l.ascent, float64(out.LineBounds.Ascent)/64)
		l.descent = math.Max(l.descent, -float64(out.LineBounds.Descent)/64)
	}
	return l
}

// notdef counts the glyphs of text that the fonts do not have (glyph 0, drawn as a box: tofu).
func (ts *typesetter) notdef(text string) int {
	n := 0
	for _, run := range ts.shape(text, 32).runs {
		for _, g := range run.Glyphs {
			if g.GlyphID == 0 {
				n++
			}
		}
	}
	return n
}

// fit shapes text at px, shrinking it until it is at most maxWidth wide.
func (ts *typesetter) fit(text string, px, maxWidth float64) textLine {
	l := ts.shape(text, px)
	if l.advance > maxWidth {
		l = ts.shape(text, px*maxWidth/l.advance)
	}
	return l
}

// draw paints l onto dst in colour c with its baseline starting at (x, y).
func (l textLine) draw(dst draw.Image, x, y float64, c color.Color) {
	pad := 4.0
	w := int(math.Ceil(l.advance + 2*pad))
	h := int(math.Ceil(l.ascent + l.descent + 2*pad))
	r := vector.NewRasterizer(w, h)
	ox, oy := pad, pad+l.ascent // the baseline origin inside the rasterizer
	pen := 0.0
	for _, run := range l.runs {
		scale := float64(run.Size) / 64 / float64(run.Face.Upem())
		for _, g := range run.Glyphs {
			gx := ox + pen + float64(g.XOffset)/64
			gy := oy - float64(g.YOffset)/64
			if outline, ok := run.Face.GlyphDataOutline(g.GlyphID); ok {
				addOutline(r, outline, gx, gy, scale)
			}
			pen += float64(g.Advance) / 64
		}
	}
	at := image.Pt(int(math.Round(x-pad)), int(math.Round(y-l.ascent-pad)))
	r.Draw(dst, image.Rectangle{Min: at, Max: at.Add(image.Pt(w, h))}, image.NewUniform(c), image.Point{})
}

// addOutline adds a glyph outline (font units, y up) at origin (x, y) in pixels (y down).
func addOutline(r *vector.Rasterizer, o font.GlyphOutline, x, y, scale float64) {
	pt := func(p font.SegmentPoint) (float32, float32) {
		return float32(x + float64(p.X)*scale), float32(y - float64(p.Y)*scale)
	}
	open := false
	for _, s := range o.Segments {
		switch s.Op {
		case ot.SegmentOpMoveTo:
			if open {
				r.ClosePath()
			}
			r.MoveTo(pt(s.Args[0]))
			open = true
		case ot.SegmentOpLineTo:
			r.LineTo(pt(s.Args[0]))
		case ot.SegmentOpQuadTo:
			ax, ay := pt(s.Args[0])
			bx, by := pt(s.Args[1])
			r.QuadTo(ax, ay, bx, by)
		case ot.SegmentOpCubeTo:
			ax, ay := pt(s.Args[0])
			bx, by := pt(s.Args[1])
			cx, cy := pt(s.Args[2])
			r.CubeTo(ax, ay, bx, by, cx, cy)
		}
	}
	if open {
		r.ClosePath()
	}
}
