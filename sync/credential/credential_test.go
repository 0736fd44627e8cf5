package credential_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// province is a real trust list: a root key and one key per issuer of the
// sample records, alternating ES256 and EdDSA.
type province struct {
	list   *trust.List
	keys   map[string]*keys.PrivateKey
	holder *keys.PrivateKey
}

var keyStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// signedAt is when the test credentials are signed: an hour ago, whole
// seconds.
var signedAt = time.Now().Add(-time.Hour).Truncate(time.Second).UTC()

func newProvince(t testing.TB, edit func(*trust.List)) *province {
	t.Helper()
	root := mustKey(t, keys.ES256)
	p := &province{keys: map[string]*keys.PrivateKey{}, holder: mustKey(t, keys.ES256)}
	l := trust.List{Province: "vn.dongnai", Version: 1, IssuedAt: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(time.Hour)}
	for i, typ := range wallet.Types() {
		iss := sample.Record(typ, 0).Issuer
		if p.keys[iss] != nil {
			continue
		}
		alg := keys.ES256
		if i%2 == 1 {
			alg = keys.EdDSA
		}
		p.keys[iss] = mustKey(t, alg)
		l.Issuers = append(l.Issuers, trust.Issuer{ID: iss, Name: trust.Name{VI: "Cơ quan " + iss, EN: iss},
			Keys: []trust.IssuerKey{{Key: p.keys[iss].Public(), NotBefore: keyStart}}})
	}
	if edit != nil {
		edit(&l)
	}
	signed, err := trust.Sign(l, root)
	if err != nil {
		t.Fatal(err)
	}
	if p.list, err = trust.Verify(signed, root.Public()); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustKey(t testing.TB, alg keys.Alg) *keys.PrivateKey {
	k, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sampleOf(typ *wallet.RecordType, i int) (wallet.Record, string) {
	return sample.Record(typ, i), sample.Profile(i).CitizenID
}

func (p *province) issue(t testing.TB, r wallet.Record, citizen string) string {
	t.Helper()
	cred, err := credential.Issue(r, citizen, p.keys[r.Issuer], p.holder.Public(), credential.IssueOptions{Province: "vn.dongnai", SignedAt: signedAt})
	if err != nil {
		t.Fatalf("Issue %s: %v", r.Type, err)
	}
	return cred
}

func (p *province) opts(citizen string) credential.VerifyOptions {
	return credential.VerifyOptions{Trust: p.list, Holder: p.holder.Public(), CitizenID: citizen}
}

// sameJSON compares records as the store does: by their JSON.
func sameJSON(t *testing.T, got, want wallet.Record) {
	t.Helper()
	want.Credential = got.Credential
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Errorf("round trip differs:\n got %s\nwant %s", a, b)
	}
}

func TestRoundTripEveryType(t *testing.T) {
	p := newProvince(t, nil)
	for i := 0; i < 3; i++ {
		for _, typ := range wallet.Types() {
			r, citizen := sampleOf(typ, i)
			r.ValidUntil = r.IssuedAt.AddDate(5, 0, 0)
			cred := p.issue(t, r, citizen)
			got, err := credential.Verify(cred, p.opts(citizen))
			if err != nil {
				t.Fatalf("%s: Verify: %v", typ.Code, err)
			}
			if got.Credential != cred {
				t.Error("Credential not kept")
			}
			sameJSON(t, got, r)
			// Samples have the shapes encoding/json decodes, so even
			// DeepEqual holds.
			r.Credential = cred
			if !reflect.DeepEqual(got, r) {
				t.Errorf("%s: DeepEqual fails after the round trip", typ.Code)
			}
		}
	}
}

func TestWithdrawalAndExpiredRecord(t *testing.T) {
	p := newProvince(t, nil)
	r, citizen := sampleOf(wallet.Types()[0], 1)
	r.Version, r.Status, r.Claims = 2, wallet.StatusWithdrawn, nil
	got, err := credential.Verify(p.issue(t, r, citizen), p.opts(citizen))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, got, r)

	// A record whose validity ended years ago still verifies: validity
	// is content, not a signature property.
	old, _ := sampleOf(wallet.Types()[3], 1)
	old.ValidFrom = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	old.ValidUntil = time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := credential.Verify(p.issue(t, old, citizen), p.opts(citizen)); err != nil {
		t.Errorf("expired record: %v", err)
	}
}

func TestIssueRefuses(t *testing.T) {
	p := newProvince(t, nil)
	r, citizen := sampleOf(wallet.Types()[0], 1)
	bad := []struct {
		name    string
		edit    func(*wallet.Record)
		citizen string
	}{
		{"unknown type", func(r *wallet.Record) { r.Type = "x.y" }, citizen},
		{"sub-second time", func(r *wallet.Record) { r.IssuedAt = r.IssuedAt.Add(time.Millisecond) }, citizen},
		{"reserved claim", func(r *wallet.Record) {
			r.Claims = map[string]any{credential.ClaimCitizen: citizen}
		}, citizen},
		{"bad citizen number", func(*wallet.Record) {}, "12345"},
	}
	for _, tc := range bad {
		rr := r
		rr.Claims = sample.Record(wallet.Types()[0], 1).Claims
		tc.edit(&rr)
		if _, err := credential.Issue(rr, tc.citizen, p.keys[r.Issuer], p.holder.Public(), credential.IssueOptions{Province: "vn.dongnai", SignedAt: signedAt}); !errors.Is(err, credential.ErrInvalidRecord) {
			t.Errorf("%s: %v; want ErrInvalidRecord", tc.name, err)
		}
	}
}

// editDisclosure replaces the value of the named claim's disclosure, as
// a forger would, keeping everything else.
func editDisclosure(t *testing.T, cred, claim string, value any) string {
	parts := strings.Split(cred, "~")
	for i, d := range parts[1:] {
		if d == "" {
			continue
		}
		dis, err := sdjwt.ParseDisclosure(d)
		if err != nil {
			t.Fatal(err)
		}
		if dis.Name == claim {
			b, _ := json.Marshal([]any{dis.Salt, dis.Name, value})
			parts[i+1] = base64.RawURLEncoding.EncodeToString(b)
			return strings.Join(parts, "~")
		}
	}
	t.Fatalf("no disclosure %s", claim)
	return ""
}

func TestVerifyRefuses(t *testing.T) {
	p := newProvince(t, nil)
	typ, _ := wallet.LookupType("health.insurance_card")
	r, citizen := sampleOf(typ, 2)
	cred := p.issue(t, r, citizen)
	jwt, rest, _ := strings.Cut(cred, "~")
	head, sig := jwt[:strings.LastIndex(jwt, ".")], jwt[strings.LastIndex(jwt, ".")+1:]
	flipped := []byte(sig)
	flipped[5] = map[bool]byte{true: 'A', false: 'B'}[flipped[5] != 'A'] // still base64url

	other := newProvince(t, nil) // same issuer ids, other keys
	otherCitizen := sample.Profile(3).CitizenID
	late := newProvince(t, func(l *trust.List) {
		for i := range l.Issuers {
			l.Issuers[i].Keys[0].NotBefore = time.Now().Add(-time.Minute) // key newer than the record
		}
	})
	late.keys, late.holder = p.keys, p.holder // same keys, later validity: impossible to forge, so re-sign
	expired := newProvince(t, func(l *trust.List) {
		for i := range l.Issuers {
			l.Issuers[i].Keys[0].NotAfter = keyStart.Add(24 * time.Hour) // key expired before the record
		}
	})
	unknownIssuer := r
	unknownIssuer.Issuer = "vn.dongnai.unknown"

	cases := []struct {
		name string
		cred string
		opts credential.VerifyOptions
		want error
	}{
		{"forged signature", head + "." + string(flipped) + "~" + rest, p.opts(citizen), credential.ErrForged},
		{"tampered claim", editDisclosure(t, cred, "card_number", "DN4999999999999"), p.opts(citizen), credential.ErrForged},
		{"citizen number swapped", editDisclosure(t, cred, credential.ClaimCitizen, otherCitizen), p.opts(otherCitizen), credential.ErrForged},
		{"signed by a key not in the list", other.issue(t, r, citizen), credential.VerifyOptions{Trust: p.list, Holder: other.holder.Public(), CitizenID: citizen}, credential.ErrIssuerKey},
		{"unknown issuer", func() string {
			c, err := credential.Issue(unknownIssuer, citizen, p.keys[r.Issuer], p.holder.Public(), credential.IssueOptions{Province: "vn.dongnai", SignedAt: signedAt})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}(), p.opts(citizen), credential.ErrUnknownIssuer},
		{"issuer key expired before issue", cred, credential.VerifyOptions{Trust: expired.list, Holder: p.holder.Public(), CitizenID: citizen}, credential.ErrIssuerKey},
		{"issuer key valid only after issue", cred, credential.VerifyOptions{Trust: late.list, Holder: p.holder.Public(), CitizenID: citizen}, credential.ErrIssuerKey},
		{"other citizen", cred, p.opts(otherCitizen), credential.ErrOtherCitizen},
		{"other device", cred, credential.VerifyOptions{Trust: p.list, Holder: mustKey(t, keys.EdDSA).Public(), CitizenID: citizen}, credential.ErrOtherDevice},
		{"claim fails the registry", editDisclosure(t, cred, "card_number", 42.0), p.opts(citizen), credential.ErrForged},
		{"empty", "", p.opts(citizen), credential.ErrMalformed},
		{"garbage", "not~a~credential~", p.opts(citizen), credential.ErrMalformed},
		{"no trailing tilde", strings.TrimSuffix(cred, "~"), p.opts(citizen), credential.ErrMalformed},
	}
	for _, tc := range cases {
		got, err := credential.Verify(tc.cred, tc.opts)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v; want %v", tc.name, err, tc.want)
		}
		if err == nil || got.ID != "" {
			t.Errorf("%s: returned a record", tc.name)
		}
	}

	// A registry violation that the issuer itself signed: only the
	// registry check can catch it. The issuer signs what Issue refuses to
	// build, by going through sdjwt directly.
	badType, err := sdjwt.Issue(p.keys[r.Issuer], sdjwt.IssueRequest{
		Issuer: r.Issuer, Type: "health.insurance_card", IssuedAt: r.IssuedAt, Holder: p.holder.Public(),
		Metadata: map[string]any{"rid": "x1", "rver": 1, "rstatus": "active"},
		Claims:   map[string]any{credential.ClaimCitizen: citizen, "card_number": 42},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := credential.Verify(badType, p.opts(citizen)); !errors.Is(err, credential.ErrInvalidRecord) {
		t.Errorf("registry violation: %v; want ErrInvalidRecord", err)
	}
	unknownType, _ := sdjwt.Issue(p.keys[r.Issuer], sdjwt.IssueRequest{
		Issuer: r.Issuer, Type: "health.x", IssuedAt: r.IssuedAt, Holder: p.holder.Public(),
		Metadata: map[string]any{"rid": "x1", "rver": 1, "rstatus": "active"},
		Claims:   map[string]any{credential.ClaimCitizen: citizen},
	})
	if _, err := credential.Verify(unknownType, p.opts(citizen)); !errors.Is(err, credential.ErrInvalidRecord) {
		t.Errorf("unknown vct: %v; want ErrInvalidRecord", err)
	}
	for name, meta := range map[string]map[string]any{
		"no id":            {"rver": 1, "rstatus": "active"},
		"fractional ver":   {"rid": "x", "rver": 1.5, "rstatus": "active"},
		"unknown metadata": {"rid": "x", "rver": 1, "rstatus": "active", "name": "Nguyễn"},
		"bad rfrom":        {"rid": "x", "rver": 1, "rstatus": "active", "rfrom": "2020"},
	} {
		c, err := sdjwt.Issue(p.keys[r.Issuer], sdjwt.IssueRequest{
			Issuer: r.Issuer, Type: r.Type, IssuedAt: r.IssuedAt, Holder: p.holder.Public(),
			Metadata: meta, Claims: map[string]any{credential.ClaimCitizen: citizen},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := credential.Verify(c, p.opts(citizen)); !errors.Is(err, credential.ErrMalformed) {
			t.Errorf("%s: %v; want ErrMalformed", name, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	p := newProvince(f, nil)
	r, citizen := sampleOf(wallet.Types()[1], 1)
	cred := p.issue(f, r, citizen)
	f.Add(cred)
	f.Add(strings.Replace(cred, "~", "~~", 1))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := credential.Verify(s, p.opts(citizen))
		if err == nil && s != cred {
			// Only a byte-identical credential is accepted... or an ECDSA
			// signature mutation, which must still carry the same record.
			if got.ID != r.ID || got.Version != r.Version {
				t.Fatalf("accepted a different record: %+v", got)
			}
		}
	})
}

func BenchmarkIssue(b *testing.B) {
	p := newProvince(b, nil)
	typ, _ := wallet.LookupType("health.checkup")
	r, citizen := sampleOf(typ, 1)
	for b.Loop() {
		if _, err := credential.Issue(r, citizen, p.keys[r.Issuer], p.holder.Public(), credential.IssueOptions{Province: "vn.dongnai", SignedAt: signedAt}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	p := newProvince(b, nil)
	typ, _ := wallet.LookupType("health.checkup")
	r, citizen := sampleOf(typ, 1)
	cred := p.issue(b, r, citizen)
	o := p.opts(citizen)
	b.SetBytes(int64(len(cred)))
	for b.Loop() {
		if _, err := credential.Verify(cred, o); err != nil {
			b.Fatal(err)
		}
	}
}
