package richmenu

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"

	"golang.org/x/image/vector"
)

// Drawing sizes, in pixels of the 2500-pixel-wide image (a phone shows it about 390 px wide,
// so 100 px here is about 16 px there).
const (
	gap       = 14  // between tiles
	radius    = 36  // tile corners
	labelPx   = 118 // label font size
	tabPx     = 104 // tab label font size
	iconBox   = 300 // icon square
	labelPadX = 40  // label margin inside a tile
)

// pngLevel is the PNG compression of the menus: BestSpeed encodes about 10 times faster than
// BestCompression for files a few per cent larger, far under 1 MB (BenchmarkEncode).
const pngLevel = png.BestSpeed

// encode writes img as a PNG at level.
func encode(img image.Image, level png.CompressionLevel) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: level}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// paint draws m.
func (ts *typesetter) paint(m menu) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	draw.Draw(img, img.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	tabs, cells := m.layout()
	for i, t := range m.tabs {
		c := tabs[i]
		bg, fg := navy, white
		if i == m.active {
			bg, fg = white, navy
		}
		fill(img, c.x, c.y, c.w, c.h, bg)
		if i == m.active {
			fill(img, c.x, c.y+c.h-22, c.w, 22, blue)
		}
		l := ts.fit(t.label, tabPx, float64(c.w-2*labelPadX))
		l.draw(img, float64(c.x)+(float64(c.w)-l.advance)/2, float64(c.y)+float64(c.h)/2+(l.ascent-l.descent)/2-8, fg)
	}
	for i, b := range m.buttons {
		c := cells[i]
		x, y, w, h := c.x+gap, c.y+gap, c.w-2*gap, c.h-2*gap
		roundRect(img, x, y, w, h, radius, b.bg)
		// Icon in the upper part, label under it, the pair centred in the tile.
		l := ts.fit(b.label, labelPx, float64(w-2*labelPadX))
		iconSize := iconBox
		if h < 700 {
			iconSize = iconBox * 4 / 5
		}
		block := float64(iconSize) + 40 + l.ascent + l.descent
		top := float64(y) + (float64(h)-block)/2
		ts.icon(img, b.icon, x+(w-iconSize)/2, int(top), iconSize, white)
		l.draw(img, float64(x)+(float64(w)-l.advance)/2, top+float64(iconSize)+40+l.ascent, white)
	}
	return img
}

func fill(img draw.Image, x, y, w, h int, c color.Color) {
	draw.Draw(img, image.Rect(x, y, x+w, y+h), image.NewUniform(c), image.Point{}, draw.Src)
}

// roundRect paints a filled rectangle with rounded corners (anti-aliased).
func roundRect(img draw.Image, x, y, w, h, r int, c color.Color) {
	p := newPen(w, h, 1)
	p.roundRect(0, 0, float64(w), float64(h), float64(r))
	p.paint(img, x, y, c)
}

// pen draws filled shapes in a box of its own with a scale: icons are designed in a unit
// square, tiles in pixels. Shapes drawn the other way round cut holes (the rasterizer adds
// signed coverage).
type pen struct {
	r     *vector.Rasterizer
	w, h  int
	scale float64
}

func newPen(w, h int, scale float64) *pen {
	return &pen{r: vector.NewRasterizer(w, h), w: w, h: h, scale: scale}
}

func (p *pen) pt(x, y float64) (float32, float32) { return float32(x * p.scale), float32(y * p.scale) }

// poly adds a closed polygon.
func (p *pen) poly(xy ...float64) {
	p.r.MoveTo(p.pt(xy[0], xy[1]))
	for i := 2; i+1 < len(xy); i += 2 {
		p.r.LineTo(p.pt(xy[i], xy[i+1]))
	}
	p.r.ClosePath()
}

// rect adds a rectangle; hole draws it counter-clockwise to cut it out of a filled shape.
func (p *pen) rect(x0, y0, x1, y1 float64, hole bool) {
	if hole {
		p.poly(x0, y0, x0, y1, x1, y1, x1, y0)
		return
	}
	p.poly(x0, y0, x1, y0, x1, y1, x0, y1)
}

// circle adds a circle of four cubic arcs; hole reverses it.
func (p *pen) circle(cx, cy, rad float64, hole bool) {
	const k = 0.5523 // cubic approximation of a quarter circle
	d := rad * k
	p.r.MoveTo(p.pt(cx+rad, cy))
	arcs := [][6]float64{
		{cx + rad, cy + d, cx + d, cy + rad, cx, cy + rad},
		{cx - d, cy + rad, cx - rad, cy + d, cx - rad, cy},
		{cx - rad, cy - d, cx - d, cy - rad, cx, cy - rad},
		{cx + d, cy - rad, cx + rad, cy - d, cx + rad, cy},
	}
	if hole {
		arcs = [][6]float64{
			{cx + rad, cy - d, cx + d, cy - rad, cx, cy - rad},
			{cx - d, cy - rad, cx - rad, cy - d, cx - rad, cy},
			{cx - rad, cy + d, cx - d, cy + rad, cx, cy + rad},
			{cx + d, cy + rad, cx + rad, cy + d, cx + rad, cy},
		}
	}
	for _, a := range arcs {
		p.cube(a[0], a[1], a[2], a[3], a[4], a[5])
	}
	p.r.ClosePath()
}

// ring adds a circle outline of width w.
func (p *pen) ring(cx, cy, rad, w float64) {
	p.circle(cx, cy, rad, false)
	p.circle(cx, cy, rad-w, true)
}

// stroke adds a straight line of width w with square ends.
func (p *pen) stroke(x0, y0, x1, y1, w float64) {
	dx, dy := x1-x0, y1-y0
	n := math.Hypot(dx, dy)
	if n == 0 {
		return
	}
	nx, ny := -dy/n*w/2, dx/n*w/2
	p.poly(x0+nx, y0+ny, x1+nx, y1+ny, x1-nx, y1-ny, x0-nx, y0-ny)
}

// roundRect adds a rectangle with corners of radius r as one outline (so a hole cut into it
// leaves nothing behind).
func (p *pen) roundRect(x0, y0, x1, y1, r float64) {
	const k = 0.5523
	d := r * (1 - k)
	p.r.MoveTo(p.pt(x0+r, y0))
	p.r.LineTo(p.pt(x1-r, y0))
	p.cube(x1-d, y0, x1, y0+d, x1, y0+r)
	p.r.LineTo(p.pt(x1, y1-r))
	p.cube(x1, y1-d, x1-d, y1, x1-r, y1)
	p.r.LineTo(p.pt(x0+r, y1))
	p.cube(x0+d, y1, x0, y1-d, x0, y1-r)
	p.r.LineTo(p.pt(x0, y0+r))
	p.cube(x0, y0+d, x0+d, y0, x0+r, y0)
	p.r.ClosePath()
}

// halfDisc adds the upper half of a disc whose flat side lies on y = cy.
func (p *pen) halfDisc(cx, cy, rad float64) {
	const k = 0.5523
	d := rad * k
	p.r.MoveTo(p.pt(cx-rad, cy))
	p.cube(cx-rad, cy-d, cx-d, cy-rad, cx, cy-rad)
	p.cube(cx+d, cy-rad, cx+rad, cy-d, cx+rad, cy)
	p.r.ClosePath()
}

func (p *pen) cube(ax, ay, bx, by, cx, cy float64) {
	x0, y0 := p.pt(ax, ay)
	x1, y1 := p.pt(bx, by)
	x2, y2 := p.pt(cx, cy)
	p.r.CubeTo(x0, y0, x1, y1, x2, y2)
}

// paint draws what was added in colour c with the pen's box at (x, y) of img.
func (p *pen) paint(img draw.Image, x, y int, c color.Color) {
	p.r.Draw(img, image.Rect(x, y, x+p.w, y+p.h), image.NewUniform(c), image.Point{})
}

// icon draws pictogram name in a size×size square at (x, y). Shapes are designed in a unit
// square.
func (ts *typesetter) icon(img draw.Image, name string, x, y, size int, c color.Color) {
	p := newPen(size, size, float64(size))
	person := func(cx, s float64) {
		p.circle(cx, 0.3, 0.15*s, false)
		p.halfDisc(cx, 0.92, 0.32*s)
	}
	calendar := func() {
		p.roundRect(0.1, 0.16, 0.9, 0.9, 0.06)
		p.rect(0.18, 0.36, 0.82, 0.82, true)
		p.rect(0.27, 0.06, 0.35, 0.26, false)
		p.rect(0.65, 0.06, 0.73, 0.26, false)
	}
	check := func(x0, y0, s float64) {
		p.stroke(x0, y0, x0+0.14*s, y0+0.14*s, 0.08)
		p.stroke(x0+0.11*s, y0+0.14*s, x0+0.4*s, y0-0.16*s, 0.08)
	}
	switch name {
	case "info":
		p.ring(0.5, 0.5, 0.45, 0.08)
		p.circle(0.5, 0.3, 0.065, false)
		p.rect(0.44, 0.42, 0.56, 0.76, false)
	case "help":
		p.ring(0.5, 0.5, 0.45, 0.08)
		p.paint(img, x, y, c)
		q := ts.shape("?", float64(size)*0.62)
		q.draw(img, float64(x)+(float64(size)-q.advance)/2, float64(y)+float64(size)*0.72, c)
		return
	case "doc":
		p.roundRect(0.18, 0.06, 0.82, 0.94, 0.06)
		p.rect(0.26, 0.14, 0.74, 0.86, true)
		for _, yy := range []float64{0.3, 0.46, 0.62} {
			p.rect(0.34, yy, 0.66, yy+0.06, false)
		}
	case "check":
		p.roundRect(0.18, 0.06, 0.82, 0.94, 0.06)
		p.rect(0.26, 0.14, 0.74, 0.86, true)
		check(0.31, 0.56, 0.9)
	case "phone":
		p.roundRect(0.28, 0.04, 0.72, 0.96, 0.08)
		p.rect(0.34, 0.14, 0.66, 0.78, true)
		p.circle(0.5, 0.87, 0.04, true)
	case "person-plus":
		person(0.38, 1)
		p.rect(0.74, 0.34, 0.82, 0.66, false)
		p.rect(0.62, 0.46, 0.94, 0.54, false)
	case "people":
		person(0.32, 0.85)
		person(0.68, 0.85)
	case "chat":
		p.roundRect(0.06, 0.12, 0.94, 0.72, 0.12)
		p.poly(0.22, 0.7, 0.42, 0.7, 0.18, 0.92)
		for _, cx := range []float64{0.3, 0.5, 0.7} {
			p.circle(cx, 0.42, 0.055, true)
		}
	case "calendar":
		calendar()
		for _, yy := range []float64{0.46, 0.64} {
			for _, xx := range []float64{0.28, 0.46, 0.64} {
				p.rect(xx, yy, xx+0.1, yy+0.1, false)
			}
		}
	case "calendar-check":
		calendar()
		check(0.32, 0.62, 0.9)
	case "clock":
		p.ring(0.5, 0.5, 0.45, 0.08)
		p.stroke(0.5, 0.5, 0.5, 0.22, 0.08)
		p.stroke(0.5, 0.5, 0.7, 0.62, 0.08)
	case "megaphone":
		p.poly(0.1, 0.36, 0.3, 0.36, 0.72, 0.12, 0.72, 0.88, 0.3, 0.64, 0.1, 0.64)
		p.poly(0.2, 0.64, 0.34, 0.64, 0.42, 0.9, 0.28, 0.9)
		p.stroke(0.82, 0.5, 0.96, 0.5, 0.07)
		p.stroke(0.8, 0.3, 0.92, 0.2, 0.07)
		p.stroke(0.8, 0.7, 0.92, 0.8, 0.07)
	case "list":
		for _, yy := range []float64{0.22, 0.5, 0.78} {
			p.circle(0.16, yy, 0.07, false)
			p.rect(0.32, yy-0.045, 0.92, yy+0.045, false)
		}
	case "grid":
		for _, yy := range []float64{0.08, 0.38, 0.68} {
			for _, xx := range []float64{0.08, 0.38, 0.68} {
				p.roundRect(xx, yy, xx+0.24, yy+0.24, 0.04)
			}
		}
	}
	p.paint(img, x, y, c)
}
