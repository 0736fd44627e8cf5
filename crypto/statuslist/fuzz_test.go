package statuslist

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// seedFiles adds every testdata/*.json (the draft's status_list objects)
// to f.
func seedFiles(f *testing.F, pattern string) {
	names, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(names) == 0 {
		f.Fatalf("no seeds %s: %v", pattern, err)
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(bytes.TrimSpace(b))
	}
}

// FuzzDecode: Decode never panics and never inflates past its limit;
// every failure wraps ErrList; whatever decodes re-encodes to a list
// with the same bits and bytes.
func FuzzDecode(f *testing.F) {
	seedFiles(f, "*.json")
	f.Add([]byte(`{"bits":1,"lst":"` + lstOf(zlibOf(make([]byte, 1<<16))) + `"}`)) // past the fuzz limit
	f.Add([]byte(`{"bits":2,"lst":"eNo76fITAAPfAgc","aggregation_uri":"https://example.com/a"}`))
	f.Add([]byte(`{"bits":1,"lst":"eNrbuRgAAhcBXQ=="}`))
	f.Add([]byte(`{"bits":1,"bits":1,"lst":"eNrbuRgAAhcBXQ"}`))
	f.Add([]byte(`{"bits":1.0,"lst":"eNrbuRgAAhcBXQ"}`))
	f.Add([]byte(`{"bits":1,"lst":"eAEDAAAAAAE"}`)) // an empty stream
	const max = 1 << 15
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Decode(data, max)
		if err != nil {
			if !errors.Is(err, ErrList) {
				t.Fatalf("error outside ErrList: %v", err)
			}
			return
		}
		if n := len(l.Bytes()); n == 0 || n > max {
			t.Fatalf("decoded %d bytes with a limit of %d", n, max)
		}
		if l.Len() != len(l.Bytes())*8/l.Bits() {
			t.Fatal("Len does not match the bytes")
		}
		back, err := DecodeObject(l.Encode(), max)
		if err != nil || back.Bits() != l.Bits() || !bytes.Equal(back.Bytes(), l.Bytes()) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzParseStatusClaim: never panics; every failure wraps ErrReference;
// what parses has an index in range and an https URI.
func FuzzParseStatusClaim(f *testing.F) {
	f.Add([]byte(`{"status_list":{"idx":0,"uri":"https://example.com/statuslists/1"}}`))
	f.Add([]byte(`{"status_list":{"idx":1e3,"uri":"https://example.com/s"}}`))
	f.Add([]byte(`{"status_list":{"idx":0,"uri":"http://example.com/s#x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseStatusClaim(data)
		if err != nil {
			if !errors.Is(err, ErrReference) {
				t.Fatalf("error outside ErrReference: %v", err)
			}
			return
		}
		if r.Index < 0 || r.Index > MaxIndex || !strings.HasPrefix(r.URI, "https://") {
			t.Fatalf("accepted %+v", r)
		}
	})
}

// FuzzVerify: Verify never panics on any string, every failure wraps
// ErrToken, and what verifies is a token the fixed key really signed.
func FuzzVerify(f *testing.F) {
	// The draft's example key, so seeds stay valid from run to run.
	priv, err := keys.ParsePrivateJWK([]byte(`{"kty":"EC","crv":"P-256","x":"I3HWm_0Ds1dPMI-IWmf4mBmH-YaeAVbPVu7vB27CxXo","y":"6N_d5Elj9bs1htgV3okJKIdbHEpkgTmAluYKJemzn1M","d":"xzUEdsyLosZF0acZGRAjTKImb0lQvAvssDK5XIZELd0"}`))
	if err != nil {
		f.Fatal(err)
	}
	l, _ := New(1, 64)
	_ = l.Set(3, Invalid)
	tok := Token{Subject: "https://example.com/statuslists/1", IssuedAt: time.Unix(1686920170, 0), TTL: time.Hour, List: l}
	signed, err := tok.Sign(priv)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	f.Add(string(bytes.TrimSpace(mustRead(f, "testdata/draft_status_list_token.jwt"))))
	f.Add(signed + ".x")
	f.Add("..")
	lookup := func(kid string) (*keys.PublicKey, error) {
		if kid == priv.KID() {
			return priv.Public(), nil
		}
		return nil, errors.New("unknown kid")
	}
	opts := VerifyOptions{Subject: tok.Subject, Keys: lookup, Now: time.Unix(1686920170+60, 0), MaxBytes: 1 << 15}
	f.Fuzz(func(t *testing.T, compact string) {
		got, err := Verify(compact, opts)
		if err != nil {
			if !errors.Is(err, ErrToken) {
				t.Fatalf("error outside ErrToken: %v", err)
			}
			return
		}
		// The fuzzer cannot forge: only the signed payload verifies.
		i, j := strings.Index(compact, "."), strings.LastIndex(compact, ".")
		if compact[i:j] != signed[strings.Index(signed, "."):strings.LastIndex(signed, ".")] {
			t.Fatalf("a payload we never signed verified: %+v", got)
		}
	})
}

func mustRead(t testing.TB, name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
