package trust

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

var (
	t2025 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	t2026 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t2027 = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

func gen(t testing.TB, alg keys.Alg) *keys.PrivateKey {
	t.Helper()
	k, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type fixture struct {
	root              *keys.PrivateKey
	healthOld, health *keys.PrivateKey // rotated: old valid 2025–2026, new from 2026
	bhxh              *keys.PrivateKey
	list              List
}

func newFixture(t testing.TB) *fixture {
	f := &fixture{
		root:      gen(t, keys.EdDSA),
		healthOld: gen(t, keys.ES256),
		health:    gen(t, keys.ES256),
		bhxh:      gen(t, keys.EdDSA),
	}
	f.list = List{
		Province:   "vn.dongnai",
		Version:    3,
		IssuedAt:   t2026,
		NextUpdate: t2026.AddDate(0, 0, 7),
		Issuers: []Issuer{
			{ID: "vn.dongnai.soyte", Name: Name{VI: "Sở Y tế Đồng Nai", EN: "Dong Nai Department of Health"}, Keys: []IssuerKey{
				{Key: f.healthOld.Public(), NotBefore: t2025, NotAfter: t2026},
				{Key: f.health.Public(), NotBefore: t2026},
			}},
			{ID: "vn.bhxh.dongnai", Name: Name{VI: "Bảo hiểm xã hội tỉnh Đồng Nai"}, Keys: []IssuerKey{
				{Key: f.bhxh.Public(), NotBefore: t2025, NotAfter: t2027},
			}},
		},
	}
	return f
}

func TestSignVerifyRoundTrip(t *testing.T) {
	f := newFixture(t)
	signed, err := Sign(f.list, f.root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(signed, f.root.Public())
	if err != nil {
		t.Fatal(err)
	}
	if got.Province != f.list.Province || got.Version != 3 || !got.IssuedAt.Equal(t2026) || !got.NextUpdate.Equal(f.list.NextUpdate) {
		t.Fatalf("header fields: %+v", got)
	}
	if len(got.Issuers) != 2 {
		t.Fatalf("issuers: %+v", got.Issuers)
	}
	for i, is := range got.Issuers {
		want := f.list.Issuers[i]
		if is.ID != want.ID || is.Name != want.Name || len(is.Keys) != len(want.Keys) {
			t.Fatalf("issuer %d: %+v", i, is)
		}
		for j, k := range is.Keys {
			w := want.Keys[j]
			if !k.Key.Equal(w.Key) || !k.NotBefore.Equal(w.NotBefore) || !k.NotAfter.Equal(w.NotAfter) {
				t.Fatalf("issuer %s key %d: %+v, want %+v", is.ID, j, k, w)
			}
		}
	}
	// Sub-second times are dropped, not rejected.
	l := f.list
	l.IssuedAt = t2026.Add(500 * time.Millisecond)
	signed, err = Sign(l, f.root)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Verify(signed, f.root.Public()); err != nil || !got.IssuedAt.Equal(t2026) {
		t.Fatalf("sub-second issue time: %v, %v", got, err)
	}
}

func TestKey(t *testing.T) {
	f := newFixture(t)
	signed, err := Sign(f.list, f.root)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Verify(signed, f.root.Public())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, issuer, kid string
		at                time.Time
		want              *keys.PublicKey
		err               error
	}{
		{"current key", "vn.dongnai.soyte", f.health.KID(), t2026.Add(time.Hour), f.health.Public(), nil},
		{"current key at its start", "vn.dongnai.soyte", f.health.KID(), t2026, f.health.Public(), nil},
		{"retired key, record from its time", "vn.dongnai.soyte", f.healthOld.KID(), t2025.AddDate(0, 6, 0), f.healthOld.Public(), nil},
		{"retired key, record after retirement", "vn.dongnai.soyte", f.healthOld.KID(), t2026, nil, ErrKeyNotValidAt},
		{"current key, record before it existed", "vn.dongnai.soyte", f.health.KID(), t2025, nil, ErrKeyNotValidAt},
		{"bhxh key expired", "vn.bhxh.dongnai", f.bhxh.KID(), t2027.Add(time.Second), nil, ErrKeyNotValidAt},
		{"bhxh key before not-before", "vn.bhxh.dongnai", f.bhxh.KID(), t2025.Add(-time.Second), nil, ErrKeyNotValidAt},
		{"unknown issuer", "vn.dongnai.congan", f.health.KID(), t2026, nil, ErrUnknownIssuer},
		{"key of another issuer", "vn.dongnai.soyte", f.bhxh.KID(), t2026, nil, ErrUnknownKey},
		{"unknown kid", "vn.dongnai.soyte", gen(t, keys.ES256).KID(), t2026, nil, ErrUnknownKey},
		{"root key is no issuer key", "vn.dongnai.soyte", f.root.KID(), t2026, nil, ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := l.Key(tt.issuer, tt.kid, tt.at)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Key = %v, want %v", err, tt.err)
			}
			if !k.Equal(tt.want) {
				t.Fatalf("Key returned %v, want %v", k, tt.want)
			}
		})
	}
	if is, ok := l.Issuer("vn.bhxh.dongnai"); !ok || is.Name.VI != "Bảo hiểm xã hội tỉnh Đồng Nai" {
		t.Fatalf("Issuer: %v %v", is, ok)
	}
	if _, ok := l.Issuer("nope"); ok {
		t.Fatal("Issuer found an unknown id")
	}
}

func TestVerifyRejectsForgeries(t *testing.T) {
	f := newFixture(t)
	signed, err := Sign(f.list, f.root)
	if err != nil {
		t.Fatal(err)
	}
	// Signed by another key (an issuer promoting itself).
	other, err := Sign(f.list, f.bhxh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(other, f.root.Public()); err == nil {
		t.Fatal("list signed by an issuer key verified against the root")
	}
	// Tampered payload: an attacker adds their key to an issuer.
	parts := strings.Split(signed, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	attacker := gen(t, keys.ES256)
	aj, _ := json.Marshal(attacker.Public())
	tampered := strings.Replace(string(payload), `"keys":[`, `"keys":[{"jwk":`+string(aj)+`,"nbf":1},`, 1)
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(tampered)) + "." + parts[2]
	if _, err := Verify(forged, f.root.Public()); !errors.Is(err, keys.ErrSignature) {
		t.Fatalf("tampered list: %v, want keys.ErrSignature", err)
	}
	// The root's signature on something that is not a trust list.
	notList, err := keys.Sign(f.root, "dc+sd-jwt", payload)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(notList, f.root.Public()); !errors.Is(err, keys.ErrTyp) {
		t.Fatalf("wrong typ: %v, want keys.ErrTyp", err)
	}
	if _, err := Verify(signed, nil); err == nil {
		t.Fatal("nil root accepted")
	}
	if _, err := Verify(strings.Repeat("a", keys.MaxJWSSize+1), f.root.Public()); !errors.Is(err, keys.ErrTooLarge) {
		t.Fatalf("huge input: %v", err)
	}
}

// signRaw signs any payload as a trust list with the root key, to test
// what Verify does with well-signed but bad content.
func signRaw(t *testing.T, root *keys.PrivateKey, payload string) string {
	t.Helper()
	s, err := keys.Sign(root, Typ, []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRejectsBadContent(t *testing.T) {
	f := newFixture(t)
	k1, _ := json.Marshal(f.health.Public())
	k2, _ := json.Marshal(f.bhxh.Public())
	priv, _ := json.Marshal(f.health)
	issuer := func(id, keysJSON string) string {
		return `{"id":"` + id + `","name":{"vi":"Sở"},"keys":[` + keysJSON + `]}`
	}
	key := func(jwk []byte, extra string) string {
		return `{"jwk":` + string(jwk) + `,"nbf":1735689600` + extra + `}`
	}
	list := func(issuers ...string) string {
		return `{"province":"vn.dongnai","version":1,"iat":1767225600,"next_update":1767830400,"issuers":[` + strings.Join(issuers, ",") + `]}`
	}
	good := list(issuer("a", key(k1, "")), issuer("b", key(k2, `,"exp":1798761600`)))
	if _, err := Verify(signRaw(t, f.root, good), f.root.Public()); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	tests := map[string]string{
		"unknown top-level member": strings.Replace(good, `"version":1`, `"version":1,"trust_all":true`, 1),
		"unknown key member":       list(issuer("a", key(k1, `,"use":"sig"`))),
		"duplicate member":         strings.Replace(good, `"version":1`, `"version":1,"version":9`, 1),
		"not an object":            `[1]`,
		"trailing data":            good + ` {}`,
		"version zero":             strings.Replace(good, `"version":1`, `"version":0`, 1),
		"version float":            strings.Replace(good, `"version":1`, `"version":1.5`, 1),
		"no issuers":               list(),
		"duplicate issuer":         list(issuer("a", key(k1, "")), issuer("a", key(k2, ""))),
		"key under two issuers":    list(issuer("a", key(k1, "")), issuer("b", key(k1, ""))),
		"key twice in one issuer":  list(issuer("a", key(k1, "")+","+key(k1, ""))),
		"issuer without keys":      list(issuer("a", "")),
		"private key":              list(issuer("a", key(priv, ""))),
		"bad issuer id":            list(issuer("Sở Y tế", key(k1, ""))),
		"empty issuer id":          list(issuer("", key(k1, ""))),
		"no Vietnamese name":       strings.Replace(list(issuer("a", key(k1, ""))), `"vi":"Sở"`, `"en":"Health"`, 1),
		"exp before nbf":           list(issuer("a", key(k1, `,"exp":1700000000`))),
		"no nbf":                   list(`{"id":"a","name":{"vi":"S"},"keys":[{"jwk":` + string(k1) + `}]}`),
		"next update before issue": strings.Replace(good, `"next_update":1767830400`, `"next_update":1767225600`, 1),
		"no iat":                   strings.Replace(good, `"iat":1767225600,`, ``, 1),
		"province missing":         strings.Replace(good, `"province":"vn.dongnai",`, ``, 1),
		"far future":               strings.Replace(good, `"next_update":1767830400`, `"next_update":999999999999`, 1),
		"jwk not an object":        list(issuer("a", `{"jwk":"abc","nbf":1}`)),
		"too many keys":            list(issuer("a", strings.TrimSuffix(strings.Repeat(key(k1, "")+",", MaxKeysPerIssuer+1), ","))),
	}
	for name, payload := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Verify(signRaw(t, f.root, payload), f.root.Public())
			if !errors.Is(err, ErrInvalidList) {
				t.Fatalf("Verify = %v, want ErrInvalidList", err)
			}
		})
	}
}

func TestSignRejectsInvalid(t *testing.T) {
	f := newFixture(t)
	mut := func(fn func(l *List)) List {
		l := f.list
		l.Issuers = append([]Issuer(nil), f.list.Issuers...)
		fn(&l)
		return l
	}
	for name, l := range map[string]List{
		"no province": mut(func(l *List) { l.Province = "" }),
		"nil key": mut(func(l *List) {
			l.Issuers[1] = Issuer{ID: "x", Name: Name{VI: "x"}, Keys: []IssuerKey{{NotBefore: t2025}}}
		}),
		"empty key": mut(func(l *List) {
			l.Issuers[1] = Issuer{ID: "x", Name: Name{VI: "x"}, Keys: []IssuerKey{{Key: &keys.PublicKey{}, NotBefore: t2025}}}
		}),
		"zero version": mut(func(l *List) { l.Version = 0 }),
		"long name":    mut(func(l *List) { l.Issuers[1].Name.EN = strings.Repeat("x", MaxNameLen+1) }),
		"pre-1970":     mut(func(l *List) { l.IssuedAt = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) }),
		"too many issuers": mut(func(l *List) {
			for i := 0; i <= MaxIssuers; i++ {
				l.Issuers = append(l.Issuers, Issuer{ID: fmt.Sprint("i", i), Name: Name{VI: "x"}, Keys: []IssuerKey{{Key: gen(t, keys.EdDSA).Public(), NotBefore: t2025}}})
			}
		}),
	} {
		if _, err := Sign(l, f.root); !errors.Is(err, ErrInvalidList) {
			t.Errorf("%s: Sign = %v, want ErrInvalidList", name, err)
		}
	}
	if err := f.list.Validate(); err != nil {
		t.Fatalf("fixture invalid: %v", err)
	}
}

func TestStaleAndSuccessor(t *testing.T) {
	f := newFixture(t)
	l := f.list
	if l.Stale(l.NextUpdate) || !l.Stale(l.NextUpdate.Add(time.Second)) {
		t.Fatal("Stale boundary wrong")
	}
	newer, older, same, elsewhere := l, l, l, l
	newer.Version, older.Version = 4, 2
	elsewhere.Province = "vn.quangngai"
	elsewhere.Version = 9
	if err := CheckSuccessor(nil, &l); err != nil {
		t.Fatal(err)
	}
	if err := CheckSuccessor(&l, &newer); err != nil {
		t.Fatal(err)
	}
	if err := CheckSuccessor(&l, &same); err != nil {
		t.Fatal(err)
	}
	if err := CheckSuccessor(&l, &older); !errors.Is(err, ErrRollback) {
		t.Fatalf("older: %v", err)
	}
	if err := CheckSuccessor(&l, &elsewhere); !errors.Is(err, ErrRollback) {
		t.Fatalf("other province: %v", err)
	}
}

// FuzzVerify: Verify never panics on any input signed by the root (the
// fuzzer controls the whole payload, as a compromised signing pipeline
// would), and whatever it accepts re-signs and re-verifies to the same
// list.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	good, err := Sign(fx.list, fx.root)
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	f.Add(payload)
	fx.list.Offices = testOffices()
	withOffices, err := Sign(fx.list, fx.root)
	if err != nil {
		f.Fatal(err)
	}
	payload, _ = base64.RawURLEncoding.DecodeString(strings.Split(withOffices, ".")[1])
	f.Add(payload)
	fx.list.Offices = nil
	fx.list.Issuers[0].Keys[0].Compromised = t2026
	compromised, err := Sign(fx.list, fx.root)
	if err != nil {
		f.Fatal(err)
	}
	payload, _ = base64.RawURLEncoding.DecodeString(strings.Split(compromised, ".")[1])
	f.Add(payload)
	fx.list.Issuers[0].Keys[0].Compromised = time.Time{}
	f.Add([]byte(`{"province":"a","version":1,"iat":1,"next_update":2,"issuers":[]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) == 0 || len(payload) > 16<<10 {
			return
		}
		signed, err := keys.Sign(fx.root, Typ, payload)
		if err != nil {
			t.Fatal(err)
		}
		l, err := Verify(signed, fx.root.Public())
		if err != nil {
			if !errors.Is(err, ErrInvalidList) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		again, err := Sign(*l, fx.root)
		if err != nil {
			t.Fatalf("accepted list does not re-sign: %v", err)
		}
		l2, err := Verify(again, fx.root.Public())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(listView(l), listView(l2)) {
			t.Fatal("re-signed list differs")
		}
	})
}

// listView is a comparable rendering of a list (keys by kid).
func listView(l *List) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d %d %d\n", l.Province, l.Version, l.IssuedAt.Unix(), l.NextUpdate.Unix())
	for _, is := range l.Issuers {
		fmt.Fprintf(&b, "%s %q\n", is.ID, is.Name)
		for _, k := range is.Keys {
			fmt.Fprintf(&b, "  %s %d %v\n", k.Key.KID(), k.NotBefore.Unix(), k.NotAfter)
		}
	}
	for _, o := range l.Offices {
		fmt.Fprintf(&b, "office %s %q %s\n", o.ID, o.Name, o.Kind)
	}
	return b.String()
}

// Revocation keys: delegated by the root for the counters' revocation
// lists; they round-trip, are looked up by kid and validity, never
// double as an issuer's key, and no issuer lookup finds them.
func TestRevocationKeys(t *testing.T) {
	f := newFixture(t)
	rev := gen(t, keys.ES256)
	f.list.RevocationKeys = []IssuerKey{{Key: rev.Public(), NotBefore: t2025, NotAfter: t2027}}
	signed, err := Sign(f.list, f.root)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Verify(signed, f.root.Public())
	if err != nil || len(l.RevocationKeys) != 1 || !l.RevocationKeys[0].Key.Equal(rev.Public()) || !l.RevocationKeys[0].NotAfter.Equal(t2027) {
		t.Fatalf("round trip: %+v, %v", l, err)
	}
	if k, err := l.RevocationKey(rev.KID(), t2026); err != nil || !k.Equal(rev.Public()) {
		t.Errorf("RevocationKey: %v %v", k, err)
	}
	if _, err := l.RevocationKey(rev.KID(), t2027); !errors.Is(err, ErrKeyNotValidAt) {
		t.Errorf("RevocationKey after its end: %v", err)
	}
	if _, err := l.RevocationKey(f.health.KID(), t2026); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("an issuer's key as a revocation key: %v", err)
	}
	if _, err := l.Key("vn.dongnai.soyte", rev.KID(), t2026); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("a revocation key as an issuer's: %v", err)
	}
	f.list.RevocationKeys = []IssuerKey{{Key: f.health.Public(), NotBefore: t2026}}
	if _, err := Sign(f.list, f.root); !errors.Is(err, ErrInvalidList) {
		t.Errorf("an issuer's key listed as a revocation key too: %v", err)
	}
	f.list.RevocationKeys = make([]IssuerKey, MaxKeysPerIssuer+1)
	for i := range f.list.RevocationKeys {
		f.list.RevocationKeys[i] = IssuerKey{Key: gen(t, keys.ES256).Public(), NotBefore: t2026}
	}
	if _, err := Sign(f.list, f.root); !errors.Is(err, ErrInvalidList) {
		t.Errorf("%d revocation keys: %v", len(f.list.RevocationKeys), err)
	}
}

func TestTypeCode(t *testing.T) {
	l := &List{Province: "vn.dongnai"}
	if v := VCT("vn.dongnai", "health.insurance_card"); v != "urn:vn:dongnai:vct:health.insurance_card" {
		t.Fatalf("VCT = %q", v)
	}
	for vct, want := range map[string]struct {
		code string
		ok   bool
	}{
		"urn:vn:dongnai:vct:health.insurance_card":      {"health.insurance_card", true},
		"health.insurance_card":                         {"health.insurance_card", false}, // issued before URNs
		"urn:vn:quangngai:vct:health.insurance_card":    {"urn:vn:quangngai:vct:health.insurance_card", false},
		"urn:vn:dongnai:vct:":                           {"urn:vn:dongnai:vct:", false},
		"https://example.com/vct/health.insurance_card": {"https://example.com/vct/health.insurance_card", false},
	} {
		if code, ok := l.TypeCode(vct); code != want.code || ok != want.ok {
			t.Errorf("TypeCode(%q) = %q, %v; want %q, %v", vct, code, ok, want.code, want.ok)
		}
	}
}
