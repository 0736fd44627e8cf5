package qrtext

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// D(k) is ceil(8k·log10 2); groups round-trip; the decoder refuses what
// the encoder never writes.
func TestDigits(t *testing.T) {
	for k := 1; k <= groupBytes; k++ {
		if want := int(math.Ceil(8 * float64(k) * math.Log10(2))); digitsFor[k] != want {
			t.Errorf("D(%d) = %d, want %d", k, digitsFor[k], want)
		}
	}
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{nil, ""},
		{[]byte{0}, "000"},
		{[]byte{255}, "255"},
		{[]byte{1, 0}, "00256"},
		{[]byte{0xff, 0xff, 0xff, 0xff}, "4294967295"},
		{bytes.Repeat([]byte{0xff}, 7), "72057594037927935"},
		{[]byte{0, 0, 0, 0, 0, 0, 1, 2}, "00000000000000001" + "002"},
	} {
		if got := string(digitsEncode(nil, c.in)); got != c.want {
			t.Errorf("encode %x = %q, want %q", c.in, got, c.want)
		}
		back, err := digitsDecode(c.want, 0)
		if err != nil || !bytes.Equal(back, c.in) {
			t.Errorf("decode %q = %x, %v", c.want, back, err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 60; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		s := digitsEncode(nil, b)
		if back, err := digitsDecode(string(s), 0); err != nil || !bytes.Equal(back, b) {
			t.Errorf("%d bytes: %v", n, err)
		}
		if numericRoom(len(s)) < n {
			t.Errorf("%d bytes in %d digits, but numericRoom says %d", n, len(s), numericRoom(len(s)))
		}
	}
	for _, bad := range []string{"256", "65536", "1", "12", "0000", "72057594037927936", "99999999999999999", "00000000000000000" + "4294967296"} {
		if _, err := digitsDecode(bad, 0); !errors.Is(err, errDigits) {
			t.Errorf("decode %q: %v", bad, err)
		}
	}
}

// Numeric-mode capacities from ISO/IEC 18004 table 7, measured with the
// encoder.
func TestCapacityNumeric(t *testing.T) {
	for _, c := range []struct {
		v     int
		level byte
		want  int
	}{{1, 'M', 34}, {10, 'M', 513}, {25, 'M', 2395}, {40, 'M', 5596}, {40, 'L', 7089}, {25, 'H', 1286}} {
		if got := FormatNumeric.Capacity(c.v, c.level); got != c.want {
			t.Errorf("FormatNumeric.Capacity(%d, %c) = %d, want %d", c.v, c.level, got, c.want)
		}
	}
	if FormatAlphanumeric.Capacity(25, 'M') != Capacity(25, 'M') {
		t.Error("Capacity is not the alphanumeric capacity")
	}
}

// smallestNumericVersion is the smallest QR version whose numeric mode
// holds n digits at level.
func smallestNumericVersion(n int, level byte) int {
	for v := 1; v <= 40; v++ {
		if FormatNumeric.Capacity(v, level) >= n {
			return v
		}
	}
	return 0
}

// Numeric tokens of varied shapes survive Encode, Render, ReadImage and
// Decode byte for byte and still verify; every part is digits only, the
// QR is in numeric mode (the version is the smallest one whose numeric
// capacity holds the part), and fits the version asked for.
func TestNumericRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		creds, claims, version int
		level                  byte
	}{{1, 1, 25, 'M'}, {1, 3, 25, 'M'}, {2, 4, 25, 'M'}, {3, 4, 25, 'M'}, {3, 8, 15, 'Q'}, {2, 5, 10, 'M'}, {1, 2, 40, 'L'}, {4, 6, 20, 'H'}} {
		tok, verify := token(t, c.creds, c.claims)
		parts, err := Encode(tok, Options{Version: c.version, Level: c.level})
		if err != nil {
			t.Fatal(err)
		}
		var read []string
		for _, p := range parts {
			if strings.Trim(p, "0123456789") != "" || !strings.HasPrefix(p, PrefixNumeric) {
				t.Fatalf("part is not all digits or lacks the prefix: %q", p)
			}
			v, err := Version(p, c.level)
			if err != nil || v > c.version || v != smallestNumericVersion(len(p), c.level) {
				t.Errorf("%d digits at QR version %d (%v), want %d ≤ %d", len(p), v, err, smallestNumericVersion(len(p), c.level), c.version)
			}
			img, err := Render(p, c.level, 3)
			if err != nil {
				t.Fatal(err)
			}
			text, err := ReadImage(img)
			if err != nil || text != p {
				t.Fatalf("read back %d-digit part: %v (equal %v)", len(p), err, text == p)
			}
			read = append(read, text)
		}
		rand.Shuffle(len(read), func(i, j int) { read[i], read[j] = read[j], read[i] })
		got, err := Decode(read, Limits{})
		if err != nil || got != tok {
			t.Fatalf("%+v: decode: %v (equal %v)", c, err, got == tok)
		}
		if err := verify(got); err != nil {
			t.Fatalf("decoded token does not verify: %v", err)
		}
	}
}

// Telex and VNI, as Unikey and EVKey type them, simplified: a
// keyboard-wedge scanner types each character of the QR text as a key.
var tones = map[rune]string{ // base vowel: sắc, huyền, hỏi, ngã, nặng
	'a': "áàảãạ", 'ă': "ắằẳẵặ", 'â': "ấầẩẫậ", 'e': "éèẻẽẹ", 'ê': "ếềểễệ", 'i': "íìỉĩị",
	'o': "óòỏõọ", 'ô': "ốồổỗộ", 'ơ': "ớờởỡợ", 'u': "úùủũụ", 'ư': "ứừửữự", 'y': "ýỳỷỹỵ",
}

// imeType is what reaches the text field when s is typed with the input
// method on (vni: VNI, else Telex).
func imeType(s string, vni bool) string {
	var out []rune
	for _, key := range s {
		if len(out) > 0 {
			prev := out[len(out)-1]
			if r, ok := imeCompose(prev, key, vni); ok {
				out[len(out)-1] = r
				continue
			}
		}
		if !vni && unicode.ToLower(key) == 'w' {
			key = sameCase('ư', key)
		}
		out = append(out, key)
	}
	return string(out)
}

// imeCompose is the letter that key makes of the letter before it.
func imeCompose(prev, key rune, vni bool) (rune, bool) {
	p, k := unicode.ToLower(prev), unicode.ToLower(key)
	var mark map[[2]rune]rune
	tone := -1
	if vni {
		mark = map[[2]rune]rune{{'a', '6'}: 'â', {'e', '6'}: 'ê', {'o', '6'}: 'ô', {'o', '7'}: 'ơ', {'u', '7'}: 'ư', {'a', '8'}: 'ă', {'d', '9'}: 'đ'}
		if '1' <= k && k <= '5' {
			tone = int(k - '1')
		}
	} else {
		mark = map[[2]rune]rune{{'a', 'a'}: 'â', {'e', 'e'}: 'ê', {'o', 'o'}: 'ô', {'d', 'd'}: 'đ', {'a', 'w'}: 'ă', {'o', 'w'}: 'ơ', {'u', 'w'}: 'ư'}
		tone = strings.IndexRune("sfrxj", k)
	}
	if r, ok := mark[[2]rune{p, k}]; ok {
		return sameCase(r, prev), true
	}
	if t, ok := tones[p]; ok && tone >= 0 {
		return sameCase([]rune(t)[tone], prev), true
	}
	return 0, false
}

func sameCase(r, like rune) rune {
	if unicode.IsUpper(like) {
		return unicode.ToUpper(r)
	}
	return r
}

// capsLock swaps the case of every letter, as a scanner typing with
// CapsLock on does.
func capsLock(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsUpper(r) {
			return unicode.ToLower(r)
		}
		return unicode.ToUpper(r)
	}, s)
}

// The reason for the numeric format: typed through Telex or VNI or with
// CapsLock on, a CW1 part is garbled beyond repair (the simulator proves
// it on real parts), a numeric part arrives as it was.
func TestInputMethodsLeaveNumericAlone(t *testing.T) {
	if got := imeType("VIEEJT NAM DDOOFNG NAI TRUWOWFNG", false); got != "VIỆT NAM ĐỒNG NAI TRƯỜNG" {
		t.Errorf("telex simulator: %q", got)
	}
	if got := imeType("Vie65t Nam D9o62ng Nai", true); got != "Việt Nam Đồng Nai" {
		t.Errorf("VNI simulator: %q", got)
	}
	tok, _ := token(t, 2, 4)
	cw1, err := Encode(tok, Options{Format: FormatAlphanumeric})
	if err != nil {
		t.Fatal(err)
	}
	num, err := Encode(tok, Options{})
	if err != nil {
		t.Fatal(err)
	}
	typings := []struct {
		name string
		f    func(string) string
	}{
		{"Telex", func(s string) string { return imeType(s, false) }},
		{"VNI", func(s string) string { return imeType(s, true) }},
		{"CapsLock", capsLock},
		{"Telex and CapsLock", func(s string) string { return imeType(capsLock(s), false) }},
	}
	for _, ty := range typings {
		var typed []string
		for _, p := range num {
			if got := ty.f(p); got != p {
				t.Errorf("%s changed a numeric part", ty.name)
			}
			typed = append(typed, ty.f(p))
		}
		if got, err := Decode(typed, Limits{}); err != nil || got != tok {
			t.Errorf("%s: numeric parts do not decode: %v", ty.name, err)
		}
		if ty.name == "CapsLock" {
			continue // CW1 survives CapsLock only through the app's repair (app/viewmodel)
		}
		// Telex garbles every CW1 part ("CW1:" becomes "CƯ1:"), VNI
		// (a vowel and a digit) nearly every one.
		changed := 0
		for _, p := range cw1 {
			if ty.f(p) == p {
				continue
			}
			changed++
			if _, err := Decode([]string{ty.f(p)}, Limits{}); !errors.Is(err, ErrNotOurs) && !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: a garbled CW1 part: %v", ty.name, err)
			}
		}
		if changed == 0 || (ty.name != "VNI" && changed != len(cw1)) {
			t.Errorf("%s changed only %d of %d CW1 parts", ty.name, changed, len(cw1))
		}
	}
}

// Every kind of bad numeric input gets its own error, wrapping
// ErrInvalid; a character that is not a digit is named with its place in
// the part, counted in characters from 1.
func TestNumericBadInput(t *testing.T) {
	tok, _ := token(t, 2, 4)
	parts, err := Encode(tok, Options{Version: 15})
	if err != nil || len(parts) < 2 {
		t.Fatalf("want 2 parts or more: %d, %v", len(parts), err)
	}
	cw1, _ := Encode(tok, Options{Version: 15, Format: FormatAlphanumeric})
	other, _ := token(t, 2, 4)
	otherParts, _ := Encode(other, Options{Version: 15})
	p0 := parts[0]
	at := func(s string, i int, r string) string { return s[:i] + r + s[i+1:] } // replace the (i+1)-th digit
	withStream := func(stream []byte) string { return numericPart(1, 1, numericSet(stream), stream) }
	// A group changed to another valid group: the set id no longer
	// matches.
	changed := at(p0, numericHeader+3, map[bool]string{true: "0", false: "1"}[p0[numericHeader+3] != '0'])
	for _, c := range []struct {
		name  string
		parts []string
		want  error
		msg   string
	}{
		{"a letter", []string{at(p0, 40, "A")}, ErrMalformed, `character 'A' at character 41 of the part`},
		{"an IME's letter", []string{p0[:40] + "â" + p0[41:]}, ErrMalformed, `character 'â' at character 41 of the part`},
		{"after an IME's letter", []string{p0[:30] + "ư" + p0[31:40] + "x" + p0[41:]}, ErrMalformed, `character 'ư' at character 31 of the part`},
		{"a letter in the header", []string{at(p0, 12, "O")}, ErrMalformed, `character 'O' at character 13 of the part`},
		{"a space inside", []string{at(p0, 25, " ")}, ErrMalformed, `character ' ' at character 26 of the part`},
		{"not ours", []string{"0323210101" + p0[10:]}, ErrNotOurs, "032322"},
		{"part 0", []string{PrefixNumeric + "0002" + p0[10:]}, ErrMalformed, "part 00 of 02"},
		{"part over total", []string{PrefixNumeric + "0302" + p0[10:]}, ErrMalformed, "part 03 of 02"},
		{"set over 2^32", []string{p0[:10] + "4294967296" + p0[20:]}, ErrMalformed, "set id"},
		{"header only", []string{p0[:numericHeader]}, ErrMalformed, "shorter than the header"},
		{"truncated part", append([]string{p0[:len(p0)-1]}, parts[1:]...), ErrMalformed, "whole number of groups"},
		{"cut after whole groups", append([]string{p0[:numericHeader+17*10]}, parts[1:]...), ErrCorrupt, ""},
		{"non-canonical group", []string{p0[:numericHeader] + "999" + p0[numericHeader+3:]}, ErrMalformed, "group at character 21 (999"},
		{"non-canonical last group", []string{withStream([]byte{1, 2, 3})[:numericHeader] + "99999999"}, ErrMalformed, "over the range of 3 bytes"},
		{"wrong set", append([]string{changed}, parts[1:]...), ErrCorrupt, ""},
		{"set of another token", append([]string{p0[:10] + otherParts[0][10:20] + p0[20:]}, parts[1:]...), ErrMixedParts, ""},
		{"two tokens", append([]string{otherParts[0]}, parts[1:]...), ErrMixedParts, ""},
		{"mixed formats", append([]string{cw1[0]}, parts[1:]...), ErrMixedParts, "a numeric part among CW1 parts"},
		{"mixed formats, numeric first", append(append([]string(nil), parts[1:]...), cw1[0]), ErrMixedParts, "a CW1 part among numeric parts"},
		{"a part missing", parts[1:], ErrMissingPart, ""},
		{"too long", []string{p0 + strings.Repeat("0", 7100)}, ErrTooLarge, ""},
		{"not deflate", []string{withStream([]byte{0xff, 0xff, 0xff, 0xff})}, ErrMalformed, "deflate"},
		{"deflate of garbage", []string{withStream(mustCompressV2(t, []byte{0x0f, 1, 2, 3}))}, ErrMalformed, ""},
		{"a version-1 packing", []string{withStream(mustCompressV2(t, pack("a.b")))}, ErrMalformed, ""},
		{"trailing bytes", []string{withStream(append(mustCompressV2(t, packV2("a.b")), 0))}, ErrMalformed, "after the end"},
		{"bad reference", []string{withStream(mustCompressV2(t, []byte{kindJSON, 3, '[', markDigest, 7}))}, ErrMalformed, "reference"},
		{"decompression bomb", []string{withStream(mustCompressV2(t, bytes.Repeat([]byte{0}, 1<<20)))}, ErrTooLarge, "decompresses to more than"},
	} {
		_, err := Decode(c.parts, Limits{})
		if !errors.Is(err, c.want) || !errors.Is(err, ErrInvalid) || !strings.Contains(fmt.Sprint(err), c.msg) {
			t.Errorf("%s: %v; want %v, %q", c.name, err, c.want, c.msg)
		}
	}
	// The message of ErrNotOurs names both prefixes.
	if !strings.Contains(ErrNotOurs.Error(), PrefixNumeric) || !strings.Contains(ErrNotOurs.Error(), Prefix) {
		t.Errorf("ErrNotOurs: %v", ErrNotOurs)
	}
	// A scanner's CR LF is ignored; a leading space too.
	if got, err := Decode(append([]string{" " + p0 + "\r\n"}, parts[1:]...), Limits{}); err != nil || got != tok {
		t.Errorf("with CR LF: %v", err)
	}
}

func mustCompressV2(t *testing.T, p []byte) []byte {
	b, err := compress(p, dictionaryV2)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The part count accounts for the header: a stream that fills exactly n
// parts takes n, one byte more takes n+1, and every part fits.
func TestNumericPartCount(t *testing.T) {
	capacity := FormatNumeric.Capacity(10, 'M')
	room := numericRoom(capacity - numericHeader)
	if numericPart(1, 1, "0000000000", make([]byte, room)) == "" || len(numericPart(1, 1, "0000000000", make([]byte, room))) > capacity {
		t.Fatalf("a full part of %d bytes is over %d digits", room, capacity)
	}
	if len(numericPart(1, 1, "0000000000", make([]byte, room+1))) <= capacity {
		t.Fatalf("room %d is not the most a part holds", room)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{100, 1000, 2500} {
		b := make([]byte, size)
		for i := range b {
			b[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[rng.IntN(64)]
		}
		tok := string(b) // one base64url segment: stored as incompressible bytes
		m, err := Measure(tok, Options{Version: 10})
		if err != nil {
			t.Fatal(err)
		}
		if want := (m.Compressed + room - 1) / room; m.Parts != want || m.MaxVersion > 10 {
			t.Errorf("%d compressed bytes: %d parts (want %d), version %d", m.Compressed, m.Parts, want, m.MaxVersion)
		}
		for _, c := range m.Chars {
			if c > capacity {
				t.Errorf("a part of %d digits, capacity %d", c, capacity)
			}
		}
	}
}

// Format is checked; the zero value is numeric.
func TestFormatOption(t *testing.T) {
	if _, err := Encode("a", Options{Format: 7}); err == nil {
		t.Error("format 7 accepted")
	}
	p, err := Encode("a.b~c", Options{})
	if err != nil || !strings.HasPrefix(p[0], PrefixNumeric) {
		t.Errorf("default: %q %v", p, err)
	}
	p, err = Encode("a.b~c", Options{Format: FormatAlphanumeric})
	if err != nil || !strings.HasPrefix(p[0], Prefix) {
		t.Errorf("alphanumeric: %q %v", p, err)
	}
	if got := fmt.Sprint(FormatNumeric, FormatAlphanumeric, Format(9)); got != "numeric CW1 Format(9)" {
		t.Errorf("names: %q", got)
	}
}

// FuzzDecodeNumeric: any two texts decode to a token within the limit
// or to an error wrapping ErrInvalid, never a panic; and any stream
// carried in a numeric part (with its right set id, so that the fuzzer
// reaches inflate and unpackV2 through Decode) comes back from the text
// exactly before it is decompressed.
func FuzzDecodeNumeric(f *testing.F) {
	tok, _ := token(f, 2, 3)
	parts, _ := Encode(tok, Options{Version: 10})
	stream, _ := compress(packV2(tok), dictionaryV2)
	for _, p := range parts {
		f.Add(p, "", []byte(nil))
	}
	f.Add(parts[0], parts[1], stream)
	f.Add(parts[0][:len(parts[0])-1], parts[1], []byte{0})
	f.Add(parts[0][:40]+"â"+parts[0][41:], "", []byte{0xff, 0xff})
	f.Add(PrefixNumeric+"01010000000000"+"255", "", stream[:len(stream)/2])
	cw1, _ := Encode(tok, Options{Version: 10, Format: FormatAlphanumeric})
	f.Add(parts[0], cw1[0], []byte(nil))
	lim := Limits{MaxPartText: 7089, MaxParts: 16, MaxPacked: 64 << 10, MaxTokenSize: 64 << 10}
	f.Fuzz(func(t *testing.T, a, b string, stream []byte) {
		tok, err := Decode([]string{a, b}, lim)
		if err == nil && len(tok) > lim.MaxTokenSize {
			t.Fatalf("token of %d bytes over the limit", len(tok))
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error does not wrap ErrInvalid: %v", err)
		}
		if len(stream) == 0 || len(stream) > 2000 {
			return
		}
		p := numericPart(1, 1, numericSet(stream), stream)
		if _, _, _, _, data, err := parsePart(p, lim); err != nil || !bytes.Equal(data, stream) {
			t.Fatalf("the part of %x reads back as %x, %v", stream, data, err)
		}
		tok, err = Decode([]string{p}, lim)
		if err == nil && len(tok) > lim.MaxTokenSize {
			t.Fatalf("token of %d bytes over the limit", len(tok))
		}
		if err != nil && (!errors.Is(err, ErrInvalid) || errors.Is(err, ErrCorrupt)) {
			t.Fatalf("error: %v", err)
		}
	})
}
