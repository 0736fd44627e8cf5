package qrtext

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// packStats counts, in a version-2 packed token, the base64url strings
// stored as raw bytes, the digest references and the sd_hash references.
func packStats(t *testing.T, p []byte) (rawStrings, digestRefs, sdHashRefs int) {
	t.Helper()
	for len(p) > 0 {
		h := p[0]
		n, k := uvarint(p[1:])
		data := p[1+k : 1+k+n]
		p = p[1+k+n:]
		if h&3 != kindJSON {
			continue
		}
		for i := 0; i < len(data); i++ {
			switch data[i] {
			case markBytes:
				n, k := uvarint(data[i+1:])
				rawStrings++
				i += k + n
			case markDigest:
				_, k := uvarint(data[i+1:])
				i += k
			}
		}
		_, holes, err := unpackJSON(data, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		for _, hl := range holes {
			if hl.ref == -1 {
				sdHashRefs++
			} else {
				digestRefs++
			}
		}
	}
	return rawStrings, digestRefs, sdHashRefs
}

func uvarint(p []byte) (int, int) {
	var n, shift int
	for i, b := range p {
		n |= int(b&0x7f) << shift
		if b < 0x80 {
			return n, i + 1
		}
		shift += 7
	}
	return 0, 0
}

// Packing version 2 makes an SD-JWT presentation measurably smaller
// than version 1: every disclosed claim's digest becomes a reference
// (about 32 incompressible bytes saved), the key binding's sd_hash too,
// and the other base64url strings travel as raw bytes.
func TestPackV2Smaller(t *testing.T) {
	for _, c := range []struct{ creds, claims int }{{1, 1}, {1, 3}, {2, 4}, {3, 4}, {5, 6}} {
		tok, _ := token(t, c.creds, c.claims)
		disclosures := c.creds * c.claims
		_, digests, sdHashes := packStats(t, packV2(tok))
		if digests != disclosures || sdHashes != c.creds {
			t.Errorf("%+v: %d digest references (want %d), %d sd_hash references (want %d, one per presentation)", c, digests, disclosures, sdHashes, c.creds)
		}
		m1, err := Measure(tok, Options{Format: FormatAlphanumeric})
		if err != nil {
			t.Fatal(err)
		}
		m2, err := Measure(tok, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if m2.Format != FormatNumeric || m1.Format != FormatAlphanumeric {
			t.Errorf("formats %v, %v", m1.Format, m2.Format)
		}
		if m2.Compressed >= m1.Compressed-25*disclosures {
			t.Errorf("%+v: v2 %d compressed bytes, v1 %d: want less than v1 − 25 per disclosure (%d)", c, m2.Compressed, m1.Compressed, m1.Compressed-25*disclosures)
		}
		if m1.MaxVersion > 25 || m2.MaxVersion > 25 || len(m2.Chars) != m2.Parts {
			t.Errorf("measurement %+v %+v", m1, m2)
		}
		t.Logf("%d×%d claims, %d bytes: CW1 %d packed, %d compressed, %d parts %v; numeric %d packed, %d compressed, %d parts %v",
			c.creds, c.claims, len(tok), m1.Packed, m1.Compressed, m1.Parts, m1.Chars, m2.Packed, m2.Compressed, m2.Parts, m2.Chars)
	}
	// The raw-bytes path: a string of 16 base64url characters and more,
	// not a digest.
	jwt := b64.EncodeToString([]byte(`{"jti":"q3ZkR0Hn2m0Xb1oVtC9nEw","short":"q3ZkR0Hn2m0Xb1oV0w"}`)) + ".e30.c2ln"
	if raw, _, _ := packStats(t, packV2(jwt)); raw != 2 {
		t.Errorf("%d raw strings, want 2", raw)
	}
}

// Packing version 2 gives back every string exactly, whatever the JSON
// inside its segments.
func TestPackV2Exact(t *testing.T) {
	tok, _ := token(t, 2, 3)
	enc := func(s string) string { return b64.EncodeToString([]byte(s)) }
	d1 := enc(`["salt-salt-salt-salt-w","a",1]`)
	d2 := enc(`{"_sd":["` + digestOf(d1) + `"]}`) // a recursive disclosure
	d3 := enc(`["` + digestOf(d2) + `","` + digestOf(d1) + `"]`)
	jwtOf := func(payload string) string { return enc(`{"alg":"ES256"}`) + "." + enc(payload) + ".c2ln" }
	prefix := jwtOf(`{"_sd":["`+digestOf(d3)+`","`+digestOf(d1)+`"]}`) + "~" + d1 + "~" + d2 + "~" + d3 + "~"
	for _, s := range []string{
		"", "a", ".", "~", "a.b~c", "eyJhbGciOiJFUzI1NiJ9.e30.sig~WyJ4IiwiYSIsMV0~", "~~..~", "AAAA", "AAA=", "Đồng Nai.x~y",
		strings.Repeat("ab_-", 300), tok, tok + "~", "~" + tok,
		prefix + jwtOf(`{"sd_hash":"`+digestOf(prefix)+`"}`),
		// Lines: each SD-JWT's sd_hash covers its own line; a line's
		// first element carries none (the hash of "" stays a string).
		"a\nb", "\n", "~\n~", "\n\n", "a.b\n~c", tok + "\n" + tok,
		prefix + jwtOf(`{"sd_hash":"`+digestOf(prefix)+`"}`) + "\n" + prefix + jwtOf(`{"sd_hash":"`+digestOf(prefix)+`"}`),
		prefix + "\n" + jwtOf(`{"sd_hash":"`+digestOf("")+`"}`),
		prefix + jwtOf(`{"sd_hash":"`+digestOf(prefix+prefix)+`"}`) + "\n" + prefix,
		// The same disclosure twice, a digest of the JWT (not a
		// reference: it has '.'), the sd_hash in the first element.
		jwtOf(`{"_sd":["`+digestOf(d1)+`"],"sd_hash":"`+digestOf("")+`"}`) + "~" + d1 + "~" + d1 + "~" + jwtOf(`{"h":"`+digestOf(jwtOf("{}"))+`"}`),
		// JSON edge cases: escapes, 15 and 16 characters, non-canonical
		// base64url, a key, numbers, whitespace.
		jwtOf(`{"a":"\"q3ZkR0Hn2m0Xb1oVtC9nEw\"","b":"q3ZkR0Hn2m0Xb1o","c":"q3ZkR0Hn2m0Xb1oV","d":"q3ZkR0Hn2m0Xb1oVtC9nEx",` +
			`"q3ZkR0Hn2m0Xb1oVtC9nEw":[1, 2.5e3, true, null, "\u0041AAAAAAAAAAAAAAAAAAAA"], "e" : "AAAAAAAAAAAAAAAA=", "f":"AAAAAAAAAAAAAAAA\n"}`),
		enc(`"q3ZkR0Hn2m0Xb1oVtC9nEw"`), enc("1"), enc(" "), enc("\x01\x02\x03"), enc(`["\u0001"]`),
	} {
		got, err := unpackV2(packV2(s), 1<<20)
		if err != nil || got != s {
			t.Errorf("unpackV2(packV2(%.60q)) = %.60q, %v", s, got, err)
		}
	}
	// References that fired in the recursive case: d1 (twice, and in d3)
	// and the sd_hash; d2 and d3 hold references, so they are not
	// referred to.
	_, digests, sdHashes := packStats(t, packV2(prefix+jwtOf(`{"sd_hash":"`+digestOf(prefix)+`"}`)))
	if digests != 3 || sdHashes != 1 {
		t.Errorf("recursive disclosures: %d digest references, %d sd_hash", digests, sdHashes)
	}
	// Two lines, each with its own sd_hash reference.
	line := prefix + jwtOf(`{"sd_hash":"`+digestOf(prefix)+`"}`)
	if _, _, sdHashes := packStats(t, packV2(line+"\n"+line)); sdHashes != 2 {
		t.Errorf("two lines: %d sd_hash references, want 2", sdHashes)
	}
}

// Malformed version-2 packings are refused, never a panic.
func TestUnpackV2Malformed(t *testing.T) {
	rec := func(h byte, data ...byte) []byte { return append([]byte{h, byte(len(data))}, data...) }
	cat := func(b ...[]byte) []byte { return bytes.Join(b, nil) }
	disc := []byte(`["q3ZkR0Hn2m0Xb1oVtC9nEw","a",1]`)
	for _, c := range []struct {
		name string
		p    []byte
	}{
		{"empty", nil},
		{"reserved header bits", rec(0x10)},
		{"kind 3", rec(0x03)},
		{"a line feed and nothing after", rec(kindText | sepLine<<2)},
		{"a line feed in a text segment", rec(kindText, 'a', '\n', 'b')},
		{"an sd_hash in the first element of a line", cat(rec(kindText|sepLine<<2, 'a'), rec(kindJSON, '[', markSDHash, ']'))},
		{"no last segment", rec(kindText|sepTilde<<2, 'a')},
		{"trailing bytes", append(rec(kindText, 'a'), 0)},
		{"length over the data", []byte{kindText, 5, 'a'}},
		{"a separator in a text segment", rec(kindText, 'a', '.', 'b')},
		{"JSON that is not JSON", rec(kindJSON, '{')},
		{"a raw control byte in JSON", rec(kindJSON, '[', 0x04, ']')},
		{"a marker where JSON has no string", rec(kindJSON, '[', '1', markBytes, 1, 'x', ']')},
		{"a marker inside a string", rec(kindJSON, '[', '"', 'a', markBytes, 1, 'x', '"', ']')},
		{"a raw string over the record", rec(kindJSON, '[', markBytes, 9, 'x', ']')},
		{"a reference to a missing element", cat(rec(kindJSON|sepTilde<<2, '[', markDigest, 5, ']'), rec(kindB64|sepTilde<<2, disc...), rec(kindText))},
		{"a reference to itself", rec(kindJSON, '[', markDigest, 0, ']')},
		{"a reference to a JWT", cat(rec(kindJSON|sepTilde<<2, '[', markDigest, 1, ']'), rec(kindText|sepDot<<2, 'a'), rec(kindText, 'b'))},
		{"a reference to an element with a reference", cat(rec(kindJSON|sepTilde<<2, '[', markDigest, 1, ']'), rec(kindJSON, '[', markDigest, 0, ']'))},
		{"an unterminated reference", rec(kindJSON, '[', markDigest)},
		{"an sd_hash in the first element", rec(kindJSON, '[', markSDHash, ']')},
	} {
		if got, err := unpackV2(c.p, 1<<20); !errors.Is(err, errPack) {
			t.Errorf("%s: %q, %v", c.name, got, err)
		}
	}
	// The references resolve: a JWT payload referring to its disclosure.
	ok := cat(rec(kindJSON|sepTilde<<2, '[', markDigest, 1, ']'), rec(kindJSON|sepTilde<<2, disc...), rec(kindJSON, '[', markSDHash, ']'))
	want := b64.EncodeToString([]byte(`["`+digestOf(b64.EncodeToString(disc))+`"]`)) + "~" + b64.EncodeToString(disc) + "~"
	if got, err := unpackV2(ok, 1<<20); err != nil || got != want+b64.EncodeToString([]byte(`["`+digestOf(want)+`"]`)) {
		t.Errorf("references: %q, %v", got, err)
	}
	// Many references cannot blow up the token past the limit.
	body := []byte{'['}
	for i := 0; i < 4096; i++ {
		body = append(body, markDigest, 1, ',')
	}
	body = append(body[:len(body)-1], ']')
	many := binary.AppendUvarint([]byte{kindJSON | sepTilde<<2}, uint64(len(body)))
	many = append(append(many, body...), rec(kindB64, disc...)...)
	if _, err := unpackV2(many, 1000); !errors.Is(err, ErrTooLarge) {
		t.Errorf("many references: %v", err)
	}
}

// FuzzPackV2: any string packs and unpacks to itself; any bytes unpack
// to a token within the limit or an error, never a panic.
func FuzzPackV2(f *testing.F) {
	// A small SD-JWT-shaped seed (a real token minimizes slowly): a JWT
	// whose payload holds the digest of its disclosure and a random
	// one, the disclosure, and a key binding with the sd_hash.
	enc := func(s string) string { return b64.EncodeToString([]byte(s)) }
	disc := enc(`["q3ZkR0Hn2m0Xb1oVtC9nEw","sex","female"]`)
	prefix := enc(`{"alg":"ES256"}`) + "." + enc(`{"_sd":["`+digestOf(disc)+`","`+digestOf("x")+`"],"iss":"vn.dongnai"}`) + ".c2ln~" + disc + "~"
	tok := prefix + enc(`{"typ":"kb+jwt"}`) + "." + enc(`{"sd_hash":"`+digestOf(prefix)+`"}`) + ".c2ln"
	f.Add(tok, packV2(tok))
	f.Add(tok+"\n"+tok, packV2(tok+"\n"+tok))
	f.Add("a.b~c", []byte{kindJSON | sepTilde<<2, 3, '[', markDigest, 1})
	f.Add(enc(`["q3ZkR0Hn2m0Xb1oVtC9nEw"]`)+"~", []byte{kindJSON, 3, '[', markSDHash, ']'})
	f.Fuzz(func(t *testing.T, s string, p []byte) {
		if got, err := unpackV2(packV2(s), len(s)+1); err != nil || got != s {
			t.Fatalf("unpackV2(packV2(%q)) = %q, %v", s, got, err)
		}
		if got, err := unpackV2(p, 1<<16); err == nil && len(got) > 1<<16 {
			t.Fatalf("%d bytes over the limit", len(got))
		}
	})
}
