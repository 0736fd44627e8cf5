package qrtext_test

import (
	"fmt"
	"strings"

	"github.com/vnwallet/citizenwallet/crypto/qrtext"
)

// A token becomes QR texts of digits only (the default format), and
// back.
func ExampleEncode() {
	token := "eyJhbGciOiJFUzI1NiJ9.eyJub25jZSI6IjEyMyJ9.c2lnbmF0dXJl~"
	parts, err := qrtext.Encode(token, qrtext.Options{})
	if err != nil {
		panic(err)
	}
	p := parts[0]
	fmt.Println(len(parts), p[:6], p[6:8], p[8:10], strings.Trim(p, "0123456789") == "")
	back, err := qrtext.Decode(parts, qrtext.Limits{})
	fmt.Println(back == token, err)
	// Output:
	// 1 032322 01 01 true
	// true <nil>
}

// Measure compares the two formats for one token.
func ExampleMeasure() {
	token := "eyJhbGciOiJFUzI1NiJ9.eyJub25jZSI6IjEyMyJ9.c2lnbmF0dXJl~"
	for _, f := range []qrtext.Format{qrtext.FormatAlphanumeric, qrtext.FormatNumeric} {
		m, err := qrtext.Measure(token, qrtext.Options{Format: f})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%v: %d bytes compressed, %d part(s) of %v characters, QR version %d\n", m.Format, m.Compressed, m.Parts, m.Chars, m.MaxVersion)
	}
	// Output:
	// CW1: 34 bytes compressed, 1 part(s) of [68] characters, QR version 4
	// numeric: 34 bytes compressed, 1 part(s) of [103] characters, QR version 4
}
