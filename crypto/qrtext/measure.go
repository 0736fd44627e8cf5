package qrtext

import "fmt"

// Measurement is what Encode makes of one token, for tables and
// benchmarks (Measure).
type Measurement struct {
	Format     Format
	Token      int   // bytes of the token
	Packed     int   // bytes of the packed token, before compression
	Compressed int   // bytes of the compressed stream the parts carry
	Parts      int   // QR codes
	Chars      []int // characters of each part, in order
	MaxVersion int   // the largest QR version of a part at opts' level
}

// Measure encodes token with opts as Encode does and reports the sizes.
func Measure(token string, opts Options) (Measurement, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Measurement{}, err
	}
	parts, stream, err := encode(token, opts)
	if err != nil {
		return Measurement{}, err
	}
	m := Measurement{Format: opts.Format, Token: len(token), Compressed: len(stream), Parts: len(parts)}
	if opts.Format == FormatNumeric {
		m.Packed = len(packV2(token))
	} else {
		m.Packed = len(pack(token))
	}
	for _, p := range parts {
		m.Chars = append(m.Chars, len(p))
		v, err := Version(p, opts.Level)
		if err != nil {
			return Measurement{}, fmt.Errorf("qrtext: measure: %w", err)
		}
		m.MaxVersion = max(m.MaxVersion, v)
	}
	return m, nil
}
