package richmenu

import (
	"image/png"
	"testing"
)

// BenchmarkEncode compares the PNG compression levels on a drawn menu: ns/op and the file size.
func BenchmarkEncode(b *testing.B) {
	ts, err := newTypesetter()
	if err != nil {
		b.Fatal(err)
	}
	img := ts.paint(menus()[0])
	for _, c := range []struct {
		name  string
		level png.CompressionLevel
	}{{"best", png.BestCompression}, {"default", png.DefaultCompression}, {"speed", png.BestSpeed}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				p, err := encode(img, c.level)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(p)), "bytes")
			}
		})
	}
}

// BenchmarkPaint is the drawing alone, for comparison with the encoding.
func BenchmarkPaint(b *testing.B) {
	ts, err := newTypesetter()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ts.paint(menus()[0])
	}
}
