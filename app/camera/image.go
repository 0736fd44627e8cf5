package camera

import (
	"image"
	"image/color"
	"math"
)

// luma returns img as the decoder wants it: unchanged when it is grey or
// YCbCr (the decoder takes their luminance as it is) and within
// maxPixels; else its luminance, averaged down over boxes of pixels to at
// most maxPixels.
func luma(img image.Image, maxPixels int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	small := w*h <= maxPixels
	switch img.(type) {
	case *image.Gray, *image.YCbCr:
		if small {
			return img
		}
	}
	if w == 0 || h == 0 {
		return image.NewGray(image.Rect(0, 0, 0, 0))
	}
	full := lumaPlane(img)
	if small {
		return full
	}
	f := math.Sqrt(float64(maxPixels) / float64(w*h))
	return shrink(full, max(int(float64(w)*f), 1), max(int(float64(h)*f), 1))
}

// lumaPlane is img's luminance, (R+2G+B)/4 as the decoder computes it
// (Y for YCbCr), with fast paths for the types cameras and tests give.
func lumaPlane(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := image.NewGray(image.Rect(0, 0, w, h))
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(dst.Pix[y*w:(y+1)*w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			copy(dst.Pix[y*w:(y+1)*w], m.Y[m.YOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.RGBA: // opaque camera frames: alpha is ignored
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				p := row[4*x : 4*x+3]
				dst.Pix[y*w+x] = byte((uint32(p[0]) + 2*uint32(p[1]) + uint32(p[2])) / 4)
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				l := (uint32(c.R) + 2*uint32(c.G) + uint32(c.B)) / 4
				dst.Pix[y*w+x] = byte((l*uint32(c.A) + 255*(255-uint32(c.A))) / 255) // over white
			}
		}
	}
	return dst
}

// shrink averages src down to w × h (each no larger than src's): each
// destination pixel is the mean of the box of source pixels it covers.
func shrink(src *image.Gray, w, h int) *image.Gray {
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	dst := image.NewGray(image.Rect(0, 0, w, h))
	sums := make([]uint32, w)
	x0s := make([]int, w+1)
	for x := 0; x <= w; x++ {
		x0s[x] = x * sw / w
	}
	for y := 0; y < h; y++ {
		y0, y1 := y*sh/h, (y+1)*sh/h
		clear(sums)
		for sy := y0; sy < y1; sy++ {
			row := src.Pix[sy*src.Stride : sy*src.Stride+sw]
			for x := 0; x < w; x++ {
				for _, v := range row[x0s[x]:x0s[x+1]] {
					sums[x] += uint32(v)
				}
			}
		}
		for x := 0; x < w; x++ {
			n := uint32((x0s[x+1] - x0s[x]) * (y1 - y0))
			dst.Pix[y*w+x] = byte((sums[x] + n/2) / n)
		}
	}
	return dst
}
