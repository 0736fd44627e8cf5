package qrtext

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
)

// RFC 9285 §4.3 examples.
func TestBase45Vectors(t *testing.T) {
	for in, out := range map[string]string{"AB": "BB8", "Hello!!": "%69 VD92EX0", "base-45": "UJCLQE7W581", "ietf!": "QED8WEX0", "": ""} {
		if got := base45Encode([]byte(in)); got != out {
			t.Errorf("encode %q = %q, want %q", in, got, out)
		}
		back, err := base45Decode(out)
		if err != nil || string(back) != in {
			t.Errorf("decode %q = %q, %v", out, back, err)
		}
	}
	for _, bad := range []string{"GGW", "A", "ABCD", "aB8", "BB8\n", "ZZ"} {
		if _, err := base45Decode(bad); !errors.Is(err, errBase45) {
			t.Errorf("decode %q: %v", bad, err)
		}
	}
}

func TestPackRoundTrip(t *testing.T) {
	for _, s := range []string{"", "a", ".", "~", "a.b~c", "eyJhbGciOiJFUzI1NiJ9.e30.sig~WyJ4IiwiYSIsMV0~", "~~..~", "AAAA", "AAA=", "Đồng Nai.x~y",
		strings.Repeat("ab_-", 300)} {
		got, err := unpack(pack(s), 1<<20)
		if err != nil || got != s {
			t.Errorf("unpack(pack(%q)) = %q, %v", s, got, err)
		}
	}
	if _, err := unpack([]byte{0x08, 0}, 100); err == nil {
		t.Error("reserved header bits accepted")
	}
	if _, err := unpack([]byte{0x02, 1, 'a'}, 100); err == nil {
		t.Error("a packed token without a last segment accepted")
	}
	if _, err := unpack([]byte{0x00, 3, 'a', '.', 'b'}, 100); err == nil {
		t.Error("a separator inside a text segment accepted")
	}
}

// The dictionary is part of format CW1: it must never change silently.
func TestDictionaryIsFrozen(t *testing.T) {
	sum := sha256.Sum256(dictionary)
	const want = "56f011e35126091f"
	if got := hex.EncodeToString(sum[:8]); got != want {
		t.Fatalf("the CW1 dictionary changed (hash %s); a new dictionary needs a new Prefix", got)
	}
	sum = sha256.Sum256(dictionaryV2)
	// Changed once before any QR of format 2 left a test machine (December
	// 2026: the credential profile of issue 15, one presentation per record).
	const wantV2 = "51bf22628be6366c"
	if got := hex.EncodeToString(sum[:8]); got != wantV2 {
		t.Fatalf("the version-2 dictionary changed (hash %s); a new dictionary needs a new version digit in PrefixNumeric", got)
	}
}

// Capacities of alphanumeric mode from ISO/IEC 18004 table 7.
func TestCapacity(t *testing.T) {
	for _, c := range []struct {
		v     int
		level byte
		want  int
	}{{1, 'M', 20}, {10, 'M', 311}, {25, 'M', 1451}, {40, 'M', 3391}, {40, 'L', 4296}, {25, 'H', 779}, {25, 'Q', 1041}} {
		if got := Capacity(c.v, c.level); got != c.want {
			t.Errorf("Capacity(%d, %c) = %d, want %d", c.v, c.level, got, c.want)
		}
	}
}

// token makes a realistic consent token: a presentation of claims from
// nCreds issuer-signed credentials, bound to one device key.
// token makes a consent-like token of nCreds presentations, one line each
// (crypto/consent's form), and returns it with a check that verifies
// every line.
func token(t testing.TB, nCreds, nClaims int) (string, func(string) error) {
	t.Helper()
	iss, _ := keys.Generate(keys.ES256)
	dev, _ := keys.Generate(keys.ES256)
	var sel []sdjwt.Selection
	names := []string{"full_name", "birth_date", "sex", "nationality", "permanent_address", "citizen_id", "ethnicity", "hometown"}
	values := []any{"Nguyễn Thị Thu Hà", "1992-08-14", "female", "Việt Nam", "Số 17, đường Võ Thị Sáu, khu phố 6, phường Tam Hiệp, tỉnh Đồng Nai", "075192004517", "Kinh", "Phường Quyết Thắng, thành phố Biên Hòa, tỉnh Đồng Nai"}
	for c := 0; c < nCreds; c++ {
		claims := map[string]any{}
		for i := range names {
			claims[names[i]] = values[i]
		}
		for i := 0; i < 10; i++ {
			claims[fmt.Sprintf("extra_%d", i)] = fmt.Sprintf("giá trị %d của hồ sơ %d", i, c)
		}
		cred, err := sdjwt.Issue(iss, sdjwt.IssueRequest{Issuer: "vn.dongnai.sotuphap", Type: "civil.birth", IssuedAt: time.Unix(1700000000, 0),
			Holder: dev.Public(), Metadata: map[string]any{"rid": fmt.Sprintf("civil.birth-%d", c), "rver": 1}, Claims: claims, Decoys: 3})
		if err != nil {
			t.Fatal(err)
		}
		sel = append(sel, sdjwt.Selection{Credential: cred, Disclose: names[:nClaims]})
	}
	now := time.Unix(1800000000, 0)
	kb := sdjwt.KeyBinding{Audience: "vn.dongnai.ubnd-tamhiep", Nonce: "n0nce", IssuedAt: now, Expires: now.Add(15 * time.Minute),
		Extra: map[string]any{"jti": "q3ZkR0Hn2m0Xb1oVtC9nEw", "purpose": "Đăng ký thường trú", "procedure": "1.004194"}}
	var lines []string
	for _, s := range sel {
		p, err := sdjwt.Present(dev, kb, s)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, p)
	}
	vo := sdjwt.VerifyOptions{
		IssuerKey:  func(string, string, time.Time) (*keys.PublicKey, error) { return iss.Public(), nil },
		Now:        now.Add(time.Minute),
		KeyBinding: &sdjwt.BindingPolicy{Audience: "vn.dongnai.ubnd-tamhiep"},
	}
	verify := func(tok string) error {
		got := strings.Split(tok, "\n")
		if len(got) != len(lines) {
			return fmt.Errorf("%d presentations, want %d", len(got), len(lines))
		}
		for _, p := range got {
			if _, err := sdjwt.Verify(p, vo); err != nil {
				return err
			}
		}
		return nil
	}
	return strings.Join(lines, "\n"), verify
}

// A token survives Encode/Decode byte for byte and still verifies, in
// either format; every part is alphanumeric (digits only when numeric)
// and fits the QR version asked for.
func TestRoundTripVerifies(t *testing.T) {
	for _, c := range []struct {
		creds, claims, version int
		format                 Format
	}{{1, 3, 25, FormatAlphanumeric}, {3, 4, 25, FormatAlphanumeric}, {6, 8, 25, FormatAlphanumeric}, {2, 5, 10, FormatAlphanumeric}, {1, 2, 40, FormatAlphanumeric},
		{1, 3, 25, FormatNumeric}, {3, 4, 25, FormatNumeric}, {6, 8, 25, FormatNumeric}, {2, 5, 10, FormatNumeric}, {1, 2, 40, FormatNumeric}} {
		tok, verify := token(t, c.creds, c.claims)
		parts, err := Encode(tok, Options{Version: c.version, Format: c.format})
		if err != nil {
			t.Fatal(err)
		}
		alphabet := map[Format]string{FormatAlphanumeric: base45Alphabet, FormatNumeric: "0123456789"}[c.format]
		for _, p := range parts {
			if strings.Trim(p, alphabet) != "" {
				t.Fatalf("%v part has characters outside its alphabet: %q", c.format, p)
			}
			if v, err := Version(p, 'M'); err != nil || v > c.version {
				t.Errorf("part needs QR version %d, asked for at most %d", v, c.version)
			}
		}
		// Any order.
		shuffled := append([]string(nil), parts...)
		rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got, err := Decode(shuffled, Limits{})
		if err != nil || got != tok {
			t.Fatalf("%d creds: decode: %v (equal %v)", c.creds, err, got == tok)
		}
		if err := verify(got); err != nil {
			t.Fatalf("decoded token does not verify: %v", err)
		}
		t.Logf("%d credentials, %d claims each: %d bytes → %d %v part(s) of version ≤ %d-M", c.creds, c.claims, len(tok), len(parts), c.format, c.version)
	}
}

func TestAssembler(t *testing.T) {
	tok, _ := token(t, 4, 6)
	parts, err := Encode(tok, Options{Version: 15})
	if err != nil || len(parts) < 3 {
		t.Fatalf("want at least 3 parts: %d, %v", len(parts), err)
	}
	other, _ := token(t, 4, 6)
	otherParts, _ := Encode(other, Options{Version: 15})

	a := NewAssembler(Limits{})
	if done, err := a.Add(parts[2] + "\r\n"); done || err != nil { // a scanner's CR LF is ignored
		t.Fatalf("first part: %v %v", done, err)
	}
	if have, total := a.Progress(); have != 1 || total != len(parts) {
		t.Errorf("progress %d of %d", have, total)
	}
	// Reading a part twice is harmless.
	if _, err := a.Add(parts[2]); err != nil {
		t.Errorf("same part twice: %v", err)
	}
	// A part of another token is refused and changes nothing.
	if _, err := a.Add(otherParts[0]); !errors.Is(err, ErrMixedParts) || !errors.Is(err, ErrInvalid) {
		t.Errorf("mixed: %v", err)
	}
	if _, err := a.Token(); !errors.Is(err, ErrMissingPart) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("incomplete: %v", err)
	}
	for i := range parts {
		if i == 2 {
			continue
		}
		done, err := a.Add(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if done != (a.have == len(parts)) {
			t.Errorf("done = %v with %d of %d", done, a.have, len(parts))
		}
	}
	got, err := a.Token()
	if err != nil || got != tok {
		t.Fatalf("token: %v", err)
	}
	a.Reset()
	if have, total := a.Progress(); have != 0 || total != 0 {
		t.Errorf("after reset: %d of %d", have, total)
	}
}

// Every kind of bad input gets its own error, never a panic.
func TestBadInput(t *testing.T) {
	tok, _ := token(t, 2, 4)
	parts, _ := Encode(tok, Options{Version: 15, Format: FormatAlphanumeric})
	p0 := parts[0]
	// The header has three colons; the data may hold more (':' is base45).
	f := strings.SplitN(p0, ":", 4)
	head, data := strings.Join(f[:3], ":")+":", f[3]
	// flip changes the middle character of a base45 triplet to a
	// different one that keeps the triplet valid (≤ 65535).
	flip := func(s string, i int) string {
		c := map[bool]string{true: "0", false: "1"}[s[i] != '0']
		return s[:i] + c + s[i+1:]
	}
	bomb := func() string {
		var buf bytes.Buffer
		w, _ := flate.NewWriterDict(&buf, flate.BestCompression, dictionary)
		w.Write(bytes.Repeat([]byte{0}, 10<<20))
		w.Close()
		sum := sha256.Sum256(buf.Bytes())
		set := strings.ToUpper(hex.EncodeToString(sum[:4]))
		return fmt.Sprintf("CW1:1/1:%s:%s", set, base45Encode(buf.Bytes()))
	}()
	withSet := func(stream []byte) string {
		sum := sha256.Sum256(stream)
		return fmt.Sprintf("CW1:1/1:%s:%s", strings.ToUpper(hex.EncodeToString(sum[:4])), base45Encode(stream))
	}
	random := make([]byte, 300)
	for i := range random {
		random[i] = byte(rand.IntN(256))
	}
	for _, c := range []struct {
		name  string
		parts []string
		want  error
	}{
		{"empty", []string{""}, ErrNotOurs},
		{"random bytes", []string{string(random)}, ErrNotOurs},
		{"a URL", []string{"https://example.com/"}, ErrNotOurs},
		{"no fields", []string{"CW1:"}, ErrMalformed},
		{"part 0", []string{"CW1:0/2:ABCDEF01:BB8"}, ErrMalformed},
		{"part over total", []string{"CW1:3/2:ABCDEF01:BB8"}, ErrMalformed},
		{"leading zero", []string{"CW1:01/2:ABCDEF01:BB8"}, ErrMalformed},
		{"lower-case set", []string{"CW1:1/1:abcdef01:BB8"}, ErrMalformed},
		{"bad base45", []string{"CW1:1/1:ABCDEF01:BB"}, ErrMalformed},
		{"lower-case data", []string{strings.ToLower(p0)}, ErrNotOurs},
		{"too many parts", []string{"CW1:1/40:ABCDEF01:BB8"}, ErrTooLarge},
		{"part too long", []string{head + strings.Repeat("0", 8000)}, ErrTooLarge},
		{"a part missing", parts[1:], ErrMissingPart},
		{"flipped data", append([]string{head + flip(data, 10)}, parts[1:]...), ErrCorrupt},
		{"flipped set id", append([]string{p0[:9] + map[bool]string{true: "0", false: "1"}[p0[9] != '0'] + p0[10:]}, parts[1:]...), ErrMixedParts},
		{"decompression bomb", []string{bomb}, ErrTooLarge},
		{"not deflate", []string{withSet([]byte{0xff, 0xff, 0xff, 0xff})}, ErrMalformed},
		{"deflate of garbage", []string{withSet(mustCompress(t, []byte{0x0f, 1, 2, 3}))}, ErrMalformed},
		{"trailing bytes", []string{withSet(append(mustCompress(t, pack("a.b")), 0))}, ErrMalformed},
	} {
		_, err := Decode(c.parts, Limits{})
		if !errors.Is(err, c.want) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v; want %v", c.name, err, c.want)
		}
	}
}

func mustCompress(t *testing.T, p []byte) []byte {
	b, err := compress(p, dictionary)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncodeRefuses(t *testing.T) {
	tok, _ := token(t, 6, 8)
	if _, err := Encode(tok, Options{Version: 5, MaxParts: 2}); err == nil || !strings.Contains(err.Error(), "needs more than 2 QR codes") {
		t.Errorf("too big: %v", err)
	}
	for _, o := range []Options{{Version: 41}, {Version: -1}, {Level: 'X'}, {MaxParts: 100}} {
		if _, err := Encode("a", o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func FuzzDecode(f *testing.F) {
	tok, _ := token(f, 2, 3)
	parts, _ := Encode(tok, Options{Version: 10, Format: FormatAlphanumeric})
	for _, p := range parts {
		f.Add(p, "")
	}
	f.Add(parts[0], parts[1])
	f.Add("CW1:1/1:ABCDEF01:BB8", "")
	f.Fuzz(func(t *testing.T, a, b string) {
		lim := Limits{MaxPartText: 4296, MaxParts: 16, MaxPacked: 64 << 10, MaxTokenSize: 64 << 10}
		tok, err := Decode([]string{a, b}, lim)
		if err == nil && len(tok) > lim.MaxTokenSize {
			t.Fatalf("token of %d bytes over the limit", len(tok))
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error does not wrap ErrInvalid: %v", err)
		}
	})
}
