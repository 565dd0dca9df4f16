package handlers

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

// faviconPNG is the site's icon: a 32×32 disc in the blue of the simulator's and console's
// "สปส" badge with a white ring, drawn once. Browsers ask for /favicon.ico on every page of
// the simulator and the console; without it each page left a 404 in the request log.
var faviconPNG = sync.OnceValue(func() []byte {
	const size, r = 32, 15.5
	blue := color.NRGBA{0x0b, 0x4e, 0xa2, 0xff}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			dx, dy := float64(x)+0.5-size/2, float64(y)+0.5-size/2
			switch d := dx*dx + dy*dy; {
			case d > r*r:
				// outside: transparent
			case d > 8*8 && d <= 11*11:
				img.SetNRGBA(x, y, color.NRGBA{0xff, 0xff, 0xff, 0xff})
			default:
				img.SetNRGBA(x, y, blue)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // an in-memory image always encodes
	}
	return b.Bytes()
})

// favicon serves GET /favicon.ico: the icon as PNG, which browsers take under that name.
func favicon(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "image/png", faviconPNG())
}
