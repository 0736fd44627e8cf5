package camera_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"math/rand/v2"

	"github.com/vnwallet/citizenwallet/app/camera"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
)

// The counter scans a token a phone shows as cycling QR codes: each part
// comes out once, as a keyboard-wedge scanner would type it, and the
// counter stops the scan when its assembler has them all.
func ExampleScan() {
	sig := make([]byte, 160) // random-looking, as a signature is
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range sig {
		sig[i] = byte(rng.Uint32())
	}
	token := "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJCSFhIIn0." + base64.RawURLEncoding.EncodeToString(sig) + "~"
	parts, _ := qrtext.Encode(token, qrtext.Options{Version: 5}) // small codes, so several
	src, _ := camera.Demo(parts, 3)                              // a webcam: camera.Open("")
	defer src.Close()

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	a := qrtext.NewAssembler(qrtext.Limits{})
	onText := func(text string) { // the counter takes it as a typed scan
		if complete, _ := a.Add(text); complete {
			stop()
		}
	}
	onFrame := func(image.Image) {} // the counter shows it in fyne.Do
	err := camera.Scan(ctx, src, camera.Options{}, onText, onFrame)

	have, total := a.Progress()
	got, _ := a.Token()
	fmt.Println(err, have, total, got == token)
	// Output: context canceled 3 3 true
}
