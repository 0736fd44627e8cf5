package share_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
)

// breakdown is a token's bytes split into what they are.
type breakdown struct {
	credentials int
	headers     int // the issuer JWTs' JOSE headers (base64url)
	claims      int // the issuer payloads' claims other than _sd, as JSON (iss, vct, cnf, iat, rid ...)
	digests     int // _sd digests: of disclosed claims, hidden claims and decoys
	digestBytes int // their JSON text ("…",)
	disclosed   int // digests whose disclosure travels
	signatures  int // issuer signatures (base64url)
	disclosures int // disclosures (base64url), count in ndisc
	ndisc       int
	keyBinding  int // the KB-JWTs, one per record
	separators  int // '.', '~' and the line feeds between records
}

// segments are the '~'-separated parts of every presentation (line) of a
// consent token, one per record: <JWT>~<D>~…~<KB-JWT>.
func segments(token string) []string {
	var out []string
	for _, line := range strings.Split(token, consent.Separator) {
		out = append(out, strings.Split(line, "~")...)
	}
	return out
}

// breakDown splits a consent token into what its bytes are.
func breakDown(t *testing.T, token string) breakdown {
	t.Helper()
	var b breakdown
	digestsOf := map[string]bool{}
	for _, seg := range segments(token) {
		if seg != "" && strings.Count(seg, ".") != 2 {
			digestsOf[sdjwt.Digest(seg)] = true
		}
	}
	for _, seg := range segments(token) {
		b.separators += strings.Count(seg, ".") + 1
		if seg == "" {
			continue
		}
		if strings.Count(seg, ".") != 2 {
			b.disclosures += len(seg)
			b.ndisc++
			continue
		}
		jws := strings.Split(seg, ".")
		payload, err := base64.RawURLEncoding.DecodeString(jws[1])
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]json.RawMessage
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Fatal(err)
		}
		if _, kb := claims["sd_hash"]; kb {
			b.keyBinding += len(seg)
			continue
		}
		b.credentials++
		b.headers += len(jws[0])
		b.signatures += len(jws[2])
		var sd []string
		if err := json.Unmarshal(claims["_sd"], &sd); err != nil {
			t.Fatal(err)
		}
		b.digests += len(sd)
		b.digestBytes += len(claims["_sd"])
		for _, d := range sd {
			if digestsOf[d] {
				b.disclosed++
			}
		}
		delete(claims, "_sd")
		rest, _ := json.Marshal(claims)
		b.claims += len(rest)
	}
	b.separators--
	if sum := b.headers + b.claims + b.digestBytes + b.signatures + b.disclosures + b.keyBinding + b.separators; sum < len(token)*3/4 {
		t.Fatalf("breakdown accounts for %d of %d bytes", sum, len(token))
	}
	return b
}

// sizeRow measures one procedure's token in both QR text formats and
// returns a row of each table in docs/benchmarks.md.
func sizeRow(t *testing.T, code string, fields, records, decoys int, token string) (formats, bytes string, numeric qrtext.Measurement) {
	t.Helper()
	cw1, err := qrtext.Measure(token, qrtext.Options{Format: qrtext.FormatAlphanumeric})
	if err != nil {
		t.Fatal(err)
	}
	num, err := qrtext.Measure(token, qrtext.Options{Format: qrtext.FormatNumeric})
	if err != nil {
		t.Fatal(err)
	}
	// A wedge scanner types each character and an Enter. Rates: 100
	// characters a second (≈ 10 ms a keystroke, key-down and key-up HID
	// reports at a 4-5 ms poll: many scanners' default) and 500.
	typing := func(m qrtext.Measurement) string {
		keys := 0
		for _, c := range m.Chars {
			keys += c + 1
		}
		return fmt.Sprintf("%d × ≤ %d keys, %.0f s / %.0f s", m.Parts, slicesMax(m.Chars)+1, float64(keys)/100, float64(keys)/500)
	}
	formats = fmt.Sprintf("| %s | %d (%d) | %d | %d, v%d | %s | %d, v%d | %s |", code, fields, records, len(token),
		cw1.Parts, cw1.MaxVersion, typing(cw1), num.Parts, num.MaxVersion, typing(num))
	b := breakDown(t, token)
	bytes = fmt.Sprintf("| %s | %d | %d | %d | %d (%d: %d disclosed, %d hidden, %d decoys) | %d | %d (%d) | %d | %d → %d |", code, len(token),
		b.headers, b.claims, b.digestBytes, b.digests, b.disclosed, b.digests-b.disclosed-decoys, decoys,
		b.signatures, b.disclosures, b.ndisc, b.keyBinding, cw1.Compressed, num.Compressed)
	return formats, bytes, num
}

func slicesMax(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
