package trust

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// A rotated key keeps verifying what it signed before its end; a
// compromised one verifies nothing, at any time, and says so with its own
// sentinel. The marker survives Sign and Verify.
func TestCompromisedKey(t *testing.T) {
	f := newFixture(t)
	leak := t2026.AddDate(0, 3, 0)
	f.list.Issuers[0].Keys[0].Compromised = leak // the rotated healthOld leaked
	signed, err := Sign(f.list, f.root)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(payloadOf(t, signed), `"compromised":`) {
		t.Fatal("the signed list does not carry the compromise marker")
	}
	l, err := Verify(signed, f.root.Public())
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Issuers[0].Keys[0].Compromised; !got.Equal(leak) {
		t.Fatalf("Compromised after Verify = %v, want %v", got, leak)
	}
	for _, at := range []time.Time{t2025, t2025.AddDate(0, 6, 0), leak.Add(-time.Hour), leak, t2027} {
		_, err := l.Key("vn.dongnai.soyte", f.healthOld.KID(), at)
		if !errors.Is(err, ErrKeyCompromised) || errors.Is(err, ErrKeyNotValidAt) {
			t.Errorf("compromised key at %s: %v, want ErrKeyCompromised only", at, err)
		}
	}
	// The other keys are untouched: the current one, and BHXH's.
	if _, err := l.Key("vn.dongnai.soyte", f.health.KID(), t2026.Add(time.Hour)); err != nil {
		t.Errorf("current key: %v", err)
	}
	if !l.Compromised(f.healthOld.KID()) || l.Compromised(f.health.KID()) || l.Compromised(f.bhxh.KID()) || l.Compromised("nope") {
		t.Error("List.Compromised does not tell the compromised key from the others")
	}
	// A compromised revocation key signs no revocation list.
	rev := gen(t, keys.ES256)
	f.list.RevocationKeys = []IssuerKey{{Key: rev.Public(), NotBefore: t2025, Compromised: leak}}
	signed, err = Sign(f.list, f.root)
	if err != nil {
		t.Fatal(err)
	}
	l, err = Verify(signed, f.root.Public())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.RevocationKey(rev.KID(), t2026); !errors.Is(err, ErrKeyCompromised) {
		t.Errorf("compromised revocation key: %v", err)
	}
}

func TestCompromisedMarkerValidated(t *testing.T) {
	f := newFixture(t)
	f.list.Issuers[0].Keys[1].Compromised = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := Sign(f.list, f.root); !errors.Is(err, ErrInvalidList) {
		t.Fatalf("a compromise time past the year 9999: %v", err)
	}
	// A negative time on the wire is refused, not read as "not compromised".
	f = newFixture(t)
	good, err := Sign(f.list, f.root)
	if err != nil {
		t.Fatal(err)
	}
	signed := signRaw(t, f.root, strings.Replace(payloadOf(t, good), `"nbf":`, `"compromised":-5,"nbf":`, 1))
	if _, err := Verify(signed, f.root.Public()); !errors.Is(err, ErrInvalidList) {
		t.Fatalf("a negative compromise time: %v", err)
	}
}
