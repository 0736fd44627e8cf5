package statuslist

import (
	"errors"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// KeysAt is asked for the key at the token's own iat, and a lookup that
// refuses the key at that time refuses the token.
func TestVerifyKeysAt(t *testing.T) {
	f := newFixture(t, keys.ES256)
	tok := smallToken(t)
	signed, err := tok.Sign(f.key)
	if err != nil {
		t.Fatal(err)
	}
	var asked time.Time
	opts := VerifyOptions{Subject: testURI, Now: jan2026.Add(time.Hour), KeysAt: func(kid string, iat time.Time) (*keys.PublicKey, error) {
		asked = iat
		return f.lookup(kid)
	}}
	if _, err := Verify(signed, opts); err != nil {
		t.Fatal(err)
	}
	if !asked.Equal(tok.IssuedAt) {
		t.Fatalf("KeysAt asked at %s, want the token's iat %s", asked, tok.IssuedAt)
	}
	opts.KeysAt = func(kid string, iat time.Time) (*keys.PublicKey, error) {
		if iat.Before(jan2026.Add(time.Minute)) {
			return nil, errors.New("key not valid yet at that iat")
		}
		return f.lookup(kid)
	}
	if _, err := Verify(signed, opts); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("key not valid at iat: %v, want ErrUnknownKey", err)
	}
	opts.Keys = f.lookup
	if _, err := Verify(signed, opts); err == nil {
		t.Fatal("both Keys and KeysAt accepted")
	}
	if _, err := Verify("a.!!.c", VerifyOptions{Subject: testURI, Now: jan2026, KeysAt: opts.KeysAt}); !errors.Is(err, ErrJWS) {
		t.Fatalf("bad payload: %v, want ErrJWS", err)
	}
}
