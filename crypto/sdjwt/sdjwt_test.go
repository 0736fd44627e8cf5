package sdjwt

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

// RFC 9901 §5.1 and its earlier drafts publish these disclosures with
// their salts and SHA-256 digests.
var rfcDisclosures = []struct {
	encoded, digest, salt, name string
	value                       any
}{
	{"WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd", "jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4", "2GLC42sKQveCfGfryNRN9w", "given_name", "John"},
	{"WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd", "TGf4oLbgwd5JQaHyKVQZU9UdGE0w5rtDsrZzfUaomLo", "eluV5Og3gSNII8EYnsxA_A", "family_name", "Doe"},
	{"WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgImVtYWlsIiwgImpvaG5kb2VAZXhhbXBsZS5jb20iXQ", "JzYjH4svliH0R3PyEMfeZu6Jt69u5qehZo7F7EPYlSE", "6Ij7tM-a5iVPGboS5tmvVA", "email", "johndoe@example.com"},
	{"WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgInBob25lX251bWJlciIsICIrMS0yMDItNTU1LTAxMDEiXQ", "PorFbpKuVu6xymJagvkFsFXAbRoc2JGlAUA2BA4o7cI", "eI8ZWm9QnKPpNPeNenHdhQ", "phone_number", "+1-202-555-0101"},
	{"WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIiwgInBob25lX251bWJlcl92ZXJpZmllZCIsIHRydWVd", "XQ_3kPKt1XyX7KANkqVR6yZ2Va5NrPIvPYbyMvRKBMM", "Qg_O64zqAxe412a108iroA", "phone_number_verified", true},
	{"WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0", "uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY", "6qMQvRL5haj", "family_name", "Möbius"},
}

func TestIssueVerifyPresentRoundTrip(t *testing.T) {
	f := newFixture(t)
	card := healthCard()
	issued := f.issue(t, card)

	// The wallet on sync: everything disclosed, no key binding.
	p, err := Verify(issued, f.issuedOpts())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Credentials) != 1 || p.KeyBinding != nil || p.Holder != nil {
		t.Fatalf("presentation %+v", p)
	}
	c := p.Credentials[0]
	if c.Issuer != issuerID || c.Type != "health.insurance_card" || c.KID != f.issuer.KID() ||
		!c.IssuedAt.Equal(now.AddDate(0, 0, -10)) || !c.Expires.Equal(now.AddDate(1, 0, 0)) || !c.NotBefore.IsZero() ||
		!c.Holder.Equal(f.holder.Public()) {
		t.Fatalf("credential %+v", c)
	}
	if !jsonEqual(c.Metadata, map[string]any{"rid": "rec-0001", "ver": 2}) {
		t.Fatalf("metadata %v", c.Metadata)
	}
	if !jsonEqual(c.Claims, card) {
		t.Fatalf("claims %v\nwant %v", c.Claims, card)
	}

	// The citizen shares three fields with a counter.
	pres, err := Present(f.holder, f.binding(), Selection{Credential: issued, Disclose: []string{"ho_ten", "ngay_sinh", "so_dinh_danh"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err = Verify(pres, f.verifyOpts())
	if err != nil {
		t.Fatal(err)
	}
	c = p.Credentials[0]
	want := map[string]any{"ho_ten": card["ho_ten"], "ngay_sinh": card["ngay_sinh"], "so_dinh_danh": card["so_dinh_danh"]}
	if !jsonEqual(c.Claims, want) {
		t.Fatalf("disclosed %v, want %v", c.Claims, want)
	}
	// Nothing of the other twelve claims travels in clear.
	for name, v := range card {
		if _, shared := want[name]; shared {
			continue
		}
		if s, ok := v.(string); ok && strings.Contains(pres, s) {
			t.Fatalf("undisclosed %s appears in the presentation", name)
		}
		enc, _ := json.Marshal(name)
		for _, seg := range parts(pres) {
			if raw, err := b64.DecodeString(seg); err == nil && strings.Contains(string(raw), string(enc)) {
				t.Fatalf("undisclosed claim name %s travels", name)
			}
		}
	}
	kb := p.KeyBinding
	if kb.Audience != counterAud || kb.Nonce != "n-7f3a9c" || !kb.IssuedAt.Equal(now.Add(-time.Minute)) || !kb.Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("key binding %+v", kb)
	}
	if !jsonEqual(kb.Extra, f.binding().Extra) {
		t.Fatalf("extra %v", kb.Extra)
	}
	if !p.Holder.Equal(f.holder.Public()) {
		t.Fatal("holder")
	}
	// Presenting no claim at all is allowed: it proves the record exists.
	pres, err = Present(f.holder, f.binding(), Selection{Credential: issued})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = Verify(pres, f.verifyOpts()); err != nil || len(p.Credentials[0].Claims) != 0 {
		t.Fatalf("empty disclosure: %v %v", p, err)
	}
}

func TestIssueFormat(t *testing.T) {
	f := newFixture(t)
	issued := f.issue(t, healthCard())
	ps := parts(issued)
	if ps[len(ps)-1] != "" {
		t.Fatal("issued form must end with '~'")
	}
	ds := ps[1 : len(ps)-1]
	if len(ds) != 15 {
		t.Fatalf("%d disclosures", len(ds))
	}
	var names []string
	salts := map[string]bool{}
	for _, e := range ds {
		d, err := ParseDisclosure(e)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, d.Name)
		if len(d.Salt) != 22 || salts[d.Salt] {
			t.Fatalf("salt %q", d.Salt)
		}
		salts[d.Salt] = true
	}
	if !slices.IsSorted(names) {
		t.Fatalf("disclosures not in name order: %v", names)
	}
	u, err := keys.ParseUnverified(ps[0], TypCredential)
	if err != nil {
		t.Fatal(err)
	}
	var payload struct {
		SD    []string `json:"_sd"`
		SDAlg string   `json:"_sd_alg"`
		Sub   *string  `json:"sub"`
	}
	if err := json.Unmarshal(u.UnverifiedPayload(), &payload); err != nil {
		t.Fatal(err)
	}
	if len(payload.SD) != 15+4 || !slices.IsSorted(payload.SD) || payload.SDAlg != "sha-256" || payload.Sub != nil {
		t.Fatalf("payload %s", u.UnverifiedPayload())
	}
	if strings.Contains(string(u.UnverifiedPayload()), "075090001234") {
		t.Fatal("the citizen id is in the always-visible payload")
	}
	// Same claims issued twice: fresh salts, so no digest repeats.
	again := parts(f.issue(t, healthCard()))
	for _, e := range again[1 : len(again)-1] {
		if slices.Contains(ds, e) {
			t.Fatal("a disclosure repeated across issuances")
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	f := newFixture(t)
	card := healthCard()
	issued := f.issue(t, card)
	sel := Selection{Credential: issued, Disclose: []string{"ho_ten", "ngay_sinh"}}
	pres, err := Present(f.holder, f.binding(), sel)
	if err != nil {
		t.Fatal(err)
	}
	ps := parts(pres) // jwt, ho_ten or ngay_sinh, the other, kb
	jwt, d1, d2, kb := ps[0], ps[1], ps[2], ps[3]
	prefix := jwt + "~" + d1 + "~" + d2 + "~"

	// A disclosure with its value changed: the citizen "edits" a field.
	dec, _ := ParseDisclosure(d1)
	raw, _ := json.Marshal([]any{dec.Salt, dec.Name, "Trần Văn Giả"})
	tamperedValue := b64.EncodeToString(raw)

	// A disclosure from another record of the same holder and issuer.
	other := f.issue(t, map[string]any{"ho_ten": "Nguyễn Văn Khác", "so_dinh_danh": "075090009999"})
	otherParts := parts(other)
	var swapped string
	for _, e := range otherParts[1 : len(otherParts)-1] {
		if d, _ := ParseDisclosure(e); d.Name == dec.Name {
			swapped = e
		}
	}

	// An attacker holding a copied credential signs their own KB.
	thief := gen(t, keys.EdDSA)
	thiefKB := kbFor(t, thief, prefix, nil)

	// A holder whose credential is bound to another key.
	stranger := gen(t, keys.EdDSA)
	strangerReq := f.request(card)
	strangerReq.Holder = stranger.Public()
	strangerCred, err := Issue(f.issuer, strangerReq)
	if err != nil {
		t.Fatal(err)
	}

	// A credential from an issuer outside the trust list.
	rogue := gen(t, keys.ES256)
	rogueCred, err := Issue(rogue, f.request(card))
	if err != nil {
		t.Fatal(err)
	}
	// Signed by a key that is not the issuer's but names the issuer's kid.
	forgedJWT := signWithKID(t, rogue, f.issuer.KID(), parts(issued)[0])

	expiredReq := f.request(card)
	expiredReq.IssuedAt, expiredReq.Expires = now.AddDate(0, -2, 0), now.Add(-10*time.Minute)
	expired, err := Issue(f.issuer, expiredReq)
	if err != nil {
		t.Fatal(err)
	}
	futureReq := f.request(card)
	futureReq.IssuedAt = now.Add(time.Hour)
	future, err := Issue(f.issuer, futureReq)
	if err != nil {
		t.Fatal(err)
	}
	nbfReq := f.request(card)
	nbfReq.NotBefore = now.Add(time.Hour)
	notYet, err := Issue(f.issuer, nbfReq)
	if err != nil {
		t.Fatal(err)
	}
	oldReq := f.request(card)
	oldReq.IssuedAt = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) // before the key's NotBefore
	oldReq.Expires = time.Time{}
	beforeKey, err := Issue(f.issuer, oldReq)
	if err != nil {
		t.Fatal(err)
	}

	withKB := func(o VerifyOptions) VerifyOptions { return o }
	kbOpts := f.verifyOpts()
	tests := []struct {
		name  string
		input string
		opts  VerifyOptions
		want  []error
	}{
		{"tampered claim value", jwt + "~" + tamperedValue + "~" + d2 + "~" + kb, kbOpts, []error{ErrUnreferencedDisclosure}},
		{"tampered value, no KB", jwt + "~" + tamperedValue + "~", f.issuedOpts(), []error{ErrUnreferencedDisclosure}},
		{"disclosure swapped in from another SD-JWT", jwt + "~" + swapped + "~" + d2 + "~" + kb, kbOpts, []error{ErrUnreferencedDisclosure}},
		{"disclosure added after signing", jwt + "~" + d1 + "~" + d2 + "~" + parts(issued)[3] + "~" + kb, kbOpts, []error{ErrSDHash}},
		{"disclosure removed after signing", jwt + "~" + d1 + "~" + kb, kbOpts, []error{ErrSDHash}},
		{"disclosures reordered after signing", jwt + "~" + d2 + "~" + d1 + "~" + kb, kbOpts, []error{ErrSDHash}},
		{"duplicate disclosure", jwt + "~" + d1 + "~" + d1 + "~", f.issuedOpts(), []error{ErrDuplicateDisclosure}},
		{"stripped KB", prefix, kbOpts, []error{ErrNoKeyBinding}},
		{"KB where none expected", pres, f.issuedOpts(), []error{ErrUnexpectedKeyBinding}},
		{"KB by another key", prefix + thiefKB, kbOpts, []error{ErrKeyBinding, keys.ErrSignature}},
		{"KB with wrong typ", prefix + func() string { s, _ := keys.SignJWT(f.holder, "JWT", map[string]any{"aud": counterAud}); return s }(), kbOpts, []error{ErrKeyBinding, keys.ErrTyp}},
		{"KB not a JWT", prefix + "a.b", kbOpts, []error{ErrKeyBinding, keys.ErrMalformed}},
		{"wrong audience", pres, withKB(VerifyOptions{IssuerKey: f.list.Key, Now: now, KeyBinding: &BindingPolicy{Audience: "vn.other"}}), []error{ErrAudience}},
		{"aud array", prefix + kbFor(t, f.holder, prefix, map[string]any{"aud": []string{counterAud}}), kbOpts, []error{ErrAudience}},
		{"no aud", prefix + kbFor(t, f.holder, prefix, map[string]any{"aud": nil}), kbOpts, []error{ErrAudience}},
		{"wrong nonce", pres, VerifyOptions{IssuerKey: f.list.Key, Now: now, KeyBinding: &BindingPolicy{Audience: counterAud, Nonce: "other"}}, []error{ErrNonce}},
		{"no nonce", prefix + kbFor(t, f.holder, prefix, map[string]any{"nonce": nil}), kbOpts, []error{ErrMalformed}},
		{"bad sd_hash", prefix + kbFor(t, f.holder, prefix, map[string]any{"sd_hash": sdHash(jwt + "~")}), kbOpts, []error{ErrSDHash}},
		{"no sd_hash", prefix + kbFor(t, f.holder, prefix, map[string]any{"sd_hash": nil}), kbOpts, []error{ErrMalformed}},
		{"KB expired", pres, VerifyOptions{IssuerKey: f.list.Key, Now: now.Add(2 * time.Hour), KeyBinding: &BindingPolicy{Audience: counterAud}}, []error{ErrExpired}},
		{"KB past max age", pres, VerifyOptions{IssuerKey: f.list.Key, Now: now.Add(20 * time.Minute), KeyBinding: &BindingPolicy{Audience: counterAud, MaxAge: 5 * time.Minute}}, []error{ErrExpired}},
		{"KB without exp, older than default", prefix + kbFor(t, f.holder, prefix, map[string]any{"iat": now.Add(-DefaultKeyBindingMaxAge - DefaultSkew - time.Second).Unix()}), kbOpts, []error{ErrExpired}},
		{"KB from the future", prefix + kbFor(t, f.holder, prefix, map[string]any{"iat": now.Add(DefaultSkew + time.Minute).Unix()}), kbOpts, []error{ErrNotYetValid}},
		{"KB nbf in the future", prefix + kbFor(t, f.holder, prefix, map[string]any{"nbf": now.Add(time.Hour).Unix()}), kbOpts, []error{ErrNotYetValid}},
		{"KB iat fractional", prefix + kbFor(t, f.holder, prefix, map[string]any{"iat": 1773566400.5}), kbOpts, []error{ErrMalformed}},
		{"credential expired", expired, f.issuedOpts(), []error{ErrExpired}},
		{"credential issued in the future", future, f.issuedOpts(), []error{ErrNotYetValid}},
		{"credential not yet valid", notYet, f.issuedOpts(), []error{ErrNotYetValid}},
		{"issuer key not valid at iat", beforeKey, f.issuedOpts(), []error{ErrIssuerKey, trust.ErrKeyNotValidAt}},
		{"issuer not trusted", rogueCred, f.issuedOpts(), []error{ErrIssuerKey, trust.ErrUnknownKey}},
		{"forged issuer signature", forgedJWT + "~", f.issuedOpts(), []error{ErrIssuerJWT, keys.ErrSignature}},
		{"holder is not the expected device", strangerCred, f.issuedOpts(), []error{ErrHolderMismatch}},
		{"no '~'", jwt, f.issuedOpts(), []error{ErrMalformed}},
		{"missing final '~'", jwt + "~" + d1, f.issuedOpts(), []error{ErrMalformed}},
		{"empty disclosure", jwt + "~~" + d1 + "~", f.issuedOpts(), []error{ErrMalformed}},
		{"starts with a disclosure", d1 + "~" + jwt + "~", f.issuedOpts(), []error{ErrMalformed}},
		{"only '~'", "~", f.issuedOpts(), []error{ErrMalformed}},
		{"empty", "", f.issuedOpts(), []error{ErrMalformed}},
		{"too large", strings.Repeat("a", MaxSize) + "~", f.issuedOpts(), []error{ErrTooLarge}},
		{"too many disclosures", jwt + strings.Repeat("~"+d1, MaxDisclosures+1) + "~", f.issuedOpts(), []error{ErrTooLarge}},
		{"two issuer JWTs", jwt + "~" + jwt + "~", f.issuedOpts(), []error{ErrMalformed}},
		{"padded disclosure", jwt + "~" + d1 + "=~", f.issuedOpts(), []error{ErrUnreferencedDisclosure}},
		{"issuer JWT with wrong typ", func() string { s, _ := keys.Sign(f.issuer, "JWT", []byte(`{}`)); return s }() + "~", f.issuedOpts(), []error{ErrIssuerJWT, keys.ErrTyp}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Verify(tt.input, tt.opts)
			if p != nil {
				t.Fatal("presentation returned with an error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify = %v, want ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Fatalf("Verify = %v, want %v", err, w)
				}
			}
		})
	}
	// The untouched presentation verifies with the same options.
	if _, err := Verify(pres, kbOpts); err != nil {
		t.Fatal(err)
	}
}

// signWithKID re-signs the payload of jwt with k under a header naming
// kid, as a forger holding some other key would.
func signWithKID(t *testing.T, k *keys.PrivateKey, kid, jwt string) string {
	t.Helper()
	ps := strings.Split(jwt, ".")
	input := b64.EncodeToString([]byte(`{"alg":"`+string(k.Alg())+`","kid":"`+kid+`","typ":"`+TypCredential+`"}`)) + "." + ps[1]
	return input + "." + b64.EncodeToString(rawSign(t, k, []byte(input)))
}

func TestSkew(t *testing.T) {
	f := newFixture(t)
	req := f.request(healthCard())
	req.Expires = now.Add(-time.Minute) // expired a minute ago
	cred, err := Issue(f.issuer, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(cred, f.issuedOpts()); err != nil {
		t.Fatalf("within the default skew: %v", err)
	}
	o := f.issuedOpts()
	o.Skew = -1
	if _, err := Verify(cred, o); !errors.Is(err, ErrExpired) {
		t.Fatalf("no skew: %v", err)
	}
	o.Skew = 30 * time.Second
	if _, err := Verify(cred, o); !errors.Is(err, ErrExpired) {
		t.Fatalf("30s skew: %v", err)
	}
	// Exactly at exp - skew... the boundary: exp must be after now-skew.
	o.Skew = time.Minute
	if _, err := Verify(cred, o); !errors.Is(err, ErrExpired) {
		t.Fatalf("exp == now-skew: %v", err)
	}
}

// TestHostileIssuerPayloads: credentials a trusted but buggy or hostile
// issuer could sign are still refused where they break the format.
func TestHostileIssuerPayloads(t *testing.T) {
	f := newFixture(t)
	good := encodeDisclosure(`["salt-aaaaaaaaaaaaaaaaaa","ho_ten","An"]`)
	mk := func(jsonText string) (string, string) { e := encodeDisclosure(jsonText); return e, Digest(e) }
	priv, _ := json.Marshal(f.holder)
	type tc struct {
		name        string
		payload     map[string]any
		disclosures []string
		want        error
	}
	var tests []tc
	add := func(name string, want error, edit func(p map[string]any) []string) {
		p := f.basePayload(Digest(good))
		ds := edit(p)
		tests = append(tests, tc{name, p, ds, want})
	}
	add("baseline", nil, func(p map[string]any) []string { return []string{good} })
	add("_sd_alg sha-512", ErrSDAlg, func(p map[string]any) []string { p["_sd_alg"] = "sha-512"; return []string{good} })
	add("_sd_alg not a string", ErrSDAlg, func(p map[string]any) []string { p["_sd_alg"] = 256; return []string{good} })
	add("no _sd_alg means sha-256", nil, func(p map[string]any) []string { delete(p, "_sd_alg"); return []string{good} })
	add("duplicate digest", ErrDuplicateDigest, func(p map[string]any) []string {
		p["_sd"] = []string{Digest(good), Digest(good)}
		return []string{good}
	})
	add("_sd not digests", ErrMalformed, func(p map[string]any) []string { p["_sd"] = []any{Digest(good), 5}; return []string{good} })
	add("_sd short digest", ErrMalformed, func(p map[string]any) []string { p["_sd"] = []string{"abc"}; return nil })
	add("_sd not an array", ErrMalformed, func(p map[string]any) []string { p["_sd"] = Digest(good); return nil })
	add("_sd too long", ErrTooLarge, func(p map[string]any) []string {
		var ds []string
		for i := 0; i <= MaxDigests; i++ {
			ds = append(ds, newDecoy())
		}
		p["_sd"] = ds
		return nil
	})
	// RFC 9901 §5 discloses sub; Issue never does (doc.go), Verify takes it.
	add("disclosed sub", nil, func(p map[string]any) []string {
		e, dg := mk(`["salt-bbbbbbbbbbbbbbbbbb","sub","user_42"]`)
		p["_sd"] = []string{dg}
		return []string{e}
	})
	for _, name := range []string{"iss", "exp", "nbf", "cnf", "vct", "_sd", "...", "status", "iat", "aud", "_sd_alg", "vct#integrity"} {
		add("disclosed reserved claim "+name, ErrClaimConflict, func(p map[string]any) []string {
			e, dg := mk(`["salt-bbbbbbbbbbbbbbbbbb",` + jsonQuote(name) + `,"x"]`)
			p["_sd"] = []string{dg}
			return []string{e}
		})
	}
	add("disclosure overrides metadata", ErrClaimConflict, func(p map[string]any) []string {
		p["rid"] = "rec-1"
		e, dg := mk(`["salt-cccccccccccccccccc","rid","rec-2"]`)
		p["_sd"] = []string{dg}
		return []string{e}
	})
	add("two disclosures of one name", ErrClaimConflict, func(p map[string]any) []string {
		e2, dg2 := mk(`["salt-dddddddddddddddddd","ho_ten","Bình"]`)
		p["_sd"] = []string{Digest(good), dg2}
		return []string{good, e2}
	})
	// RFC 9901 §7.1 3.3.2.1: what _sd references must be [salt, name, value].
	add("array-element disclosure in _sd", ErrMalformedDisclosure, func(p map[string]any) []string {
		e, dg := mk(`["salt-eeeeeeeeeeeeeeeeee","x"]`)
		p["_sd"] = []string{dg}
		return []string{e}
	})
	add("four elements", ErrMalformedDisclosure, func(p map[string]any) []string {
		e, dg := mk(`["s","a","b","c"]`)
		p["_sd"] = []string{dg}
		return []string{e}
	})
	add("numeric salt", ErrMalformedDisclosure, func(p map[string]any) []string {
		e, dg := mk(`[1,"a","b"]`)
		p["_sd"] = []string{dg}
		return []string{e}
	})
	add("null name", ErrMalformedDisclosure, func(p map[string]any) []string {
		e, dg := mk(`["s",null,"b"]`)
		p["_sd"] = []string{dg}
		return []string{e}
	})
	add("object, not array", ErrMalformedDisclosure, func(p map[string]any) []string {
		e, dg := mk(`{"salt":"s","name":"a"}`)
		p["_sd"] = []string{dg}
		return []string{e}
	})
	add("duplicate member in value", ErrMalformedDisclosure, func(p map[string]any) []string {
		e, dg := mk(`["s","addr",{"city":"Biên Hòa","city":"Hà Nội"}]`)
		p["_sd"] = []string{dg}
		return []string{e}
	})
	add("invalid UTF-8", ErrMalformedDisclosure, func(p map[string]any) []string {
		e, dg := mk("[\"s\",\"a\",\"\xff\"]")
		p["_sd"] = []string{dg}
		return []string{e}
	})
	// Nested and array-element digests are RFC 9901 (§4.2.4, §4.2.6): a
	// digest no disclosure matches is a decoy, dropped (TestNested checks
	// the processed values).
	add("nested _sd in value, a decoy", nil, func(p map[string]any) []string {
		e, dg := mk(`["s","addr",{"_sd":["` + Digest("x") + `"]}]`)
		p["_sd"] = []string{dg}
		return []string{e}
	})
	add("array element decoy in value", nil, func(p map[string]any) []string {
		e, dg := mk(`["s","list",[{"...":"` + Digest("x") + `"}]]`)
		p["_sd"] = []string{dg}
		return []string{e}
	})
	add("nested _sd in metadata, a decoy", nil, func(p map[string]any) []string {
		p["addr"] = map[string]any{"_sd": []string{Digest("x")}}
		return []string{good}
	})
	add("... at top level", ErrClaimConflict, func(p map[string]any) []string { p["..."] = Digest("x"); return []string{good} })
	add("no cnf", ErrMalformed, func(p map[string]any) []string { delete(p, "cnf"); return []string{good} })
	add("cnf kid", ErrMalformed, func(p map[string]any) []string {
		p["cnf"] = map[string]any{"kid": f.holder.KID()}
		return []string{good}
	})
	add("cnf jwk plus jku", ErrMalformed, func(p map[string]any) []string {
		p["cnf"] = map[string]any{"jwk": f.holder.Public(), "jku": "https://x"}
		return []string{good}
	})
	add("cnf private key", keys.ErrPrivateMember, func(p map[string]any) []string {
		p["cnf"] = map[string]any{"jwk": json.RawMessage(priv)}
		return []string{good}
	})
	add("cnf not an object", ErrMalformed, func(p map[string]any) []string { p["cnf"] = "key"; return []string{good} })
	add("no vct", ErrMalformed, func(p map[string]any) []string { delete(p, "vct"); return []string{good} })
	add("no iss", ErrMalformed, func(p map[string]any) []string { delete(p, "iss"); return []string{good} })
	add("no iat", ErrMalformed, func(p map[string]any) []string { delete(p, "iat"); return []string{good} })
	add("iat string", ErrMalformed, func(p map[string]any) []string { p["iat"] = "1767225600"; return []string{good} })
	add("iat negative", ErrMalformed, func(p map[string]any) []string { p["iat"] = -5; return []string{good} })
	add("iat exponent", ErrMalformed, func(p map[string]any) []string { p["iat"] = json.RawMessage("1.7e9"); return []string{good} })
	add("exp past year 9999", ErrMalformed, func(p map[string]any) []string { p["exp"] = int64(maxNumericDate) + 1; return []string{good} })
	add("exp object", ErrMalformed, func(p map[string]any) []string { p["exp"] = map[string]any{}; return []string{good} })

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := signIssuerJWT(t, f.issuer, tt.payload) + "~"
			for _, d := range tt.disclosures {
				s += d + "~"
			}
			_, err := Verify(s, f.issuedOpts())
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func jsonQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestOneCredentialPerSDJWT: several records are presented as several
// standard SD-JWT+KB, each verifiable alone; the concatenated form this
// package once wrote (several issuer JWTs closed by one KB-JWT), which no
// RFC 9901 verifier reads, is refused with its own message.
func TestOneCredentialPerSDJWT(t *testing.T) {
	f := newFixture(t)
	bhxh := gen(t, keys.EdDSA)
	f.list = trustList(t, f.root, map[string]*keys.PrivateKey{issuerID: f.issuer, "vn.bhxh.dongnai": bhxh})
	card := f.issue(t, healthCard())
	ins := f.request(map[string]any{"so_so_bhxh": "7512345678", "thoi_gian_dong": 132, "don_vi": "Công ty TNHH Đồng Nai"})
	ins.Issuer, ins.Type = "vn.bhxh.dongnai", "labour.social_insurance_book"
	book, err := Issue(bhxh, ins)
	if err != nil {
		t.Fatal(err)
	}
	cardPres, err := Present(f.holder, f.binding(), Selection{Credential: card, Disclose: []string{"ho_ten", "so_the"}})
	if err != nil {
		t.Fatal(err)
	}
	bookPres, err := Present(f.holder, f.binding(), Selection{Credential: book, Disclose: []string{"so_so_bhxh"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, pres := range map[string]string{"card": cardPres, "book": bookPres} {
		p, err := Verify(pres, f.verifyOpts())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(p.Credentials) != 1 || p.KeyBinding == nil || !p.Holder.Equal(f.holder.Public()) {
			t.Fatalf("%s: %+v", name, p)
		}
	}
	p, _ := Verify(bookPres, f.verifyOpts())
	if !jsonEqual(p.Credentials[0].Claims, map[string]any{"so_so_bhxh": "7512345678"}) || p.Credentials[0].Issuer != "vn.bhxh.dongnai" {
		t.Fatalf("book: %v from %s", p.Credentials[0].Claims, p.Credentials[0].Issuer)
	}

	cp, bp := parts(cardPres), parts(bookPres)
	cardPart := strings.Join(cp[:len(cp)-1], "~") + "~"
	bookPart := strings.Join(bp[:len(bp)-1], "~") + "~"
	both := cardPart + bookPart
	for name, input := range map[string]string{
		"two credentials, one KB-JWT": both + kbFor(t, f.holder, both, nil),
		"two issued credentials":      card + book,
		"a presentation, then more":   cardPres + "~" + bookPart,
	} {
		_, err := Verify(input, f.verifyOpts())
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "second issuer-signed JWT") {
			t.Errorf("%s: %v, want ErrMalformed naming the second JWT", name, err)
		}
	}
	// A disclosure of the book moved into the card's presentation.
	moved := cp[0] + "~" + cp[1] + "~" + bp[1] + "~"
	if _, err := Verify(moved+kbFor(t, f.holder, moved, nil), f.verifyOpts()); !errors.Is(err, ErrUnreferencedDisclosure) {
		t.Errorf("disclosure moved: %v", err)
	}

	// A credential bound to another key cannot be presented by this holder.
	stranger := gen(t, keys.EdDSA)
	sreq := f.request(healthCard())
	sreq.Holder = stranger.Public()
	strangers, err := Issue(f.issuer, sreq)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Present(f.holder, f.binding(), Selection{Credential: strangers}); !errors.Is(err, ErrHolderMismatch) {
		t.Fatalf("Present with a stranger's credential: %v", err)
	}
}

func TestPresentRejects(t *testing.T) {
	f := newFixture(t)
	issued := f.issue(t, healthCard())
	pres, err := Present(f.holder, f.binding(), Selection{Credential: issued})
	if err != nil {
		t.Fatal(err)
	}
	kb := f.binding()
	tests := []struct {
		name string
		kb   KeyBinding
		sel  Selection
		want error
	}{
		{"unknown claim", kb, Selection{Credential: issued, Disclose: []string{"ho_ten", "blood_type"}}, ErrUnknownClaim},
		{"a presentation, not an issued credential", kb, Selection{Credential: pres}, ErrMalformed},
		{"two credentials in one selection", kb, Selection{Credential: issued + issued}, ErrMalformed},
		{"garbage", kb, Selection{Credential: "not an sd-jwt"}, ErrMalformed},
		{"nothing", kb, Selection{}, ErrMalformed},
		{"reserved extra", KeyBinding{Audience: "a", Nonce: "n", IssuedAt: now, Extra: map[string]any{"sd_hash": "x"}}, Selection{Credential: issued}, ErrReservedName},
		{"reserved extra aud", KeyBinding{Audience: "a", Nonce: "n", IssuedAt: now, Extra: map[string]any{"aud": "b"}}, Selection{Credential: issued}, ErrReservedName},
		{"extra with _sd", KeyBinding{Audience: "a", Nonce: "n", IssuedAt: now, Extra: map[string]any{"x": map[string]any{"_sd": 1}}}, Selection{Credential: issued}, ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Present(f.holder, tt.kb, tt.sel); !errors.Is(err, tt.want) {
				t.Fatalf("Present = %v, want %v", err, tt.want)
			}
		})
	}
	for name, kb := range map[string]KeyBinding{
		"no audience":      {Nonce: "n", IssuedAt: now},
		"no nonce":         {Audience: "a", IssuedAt: now},
		"no iat":           {Audience: "a", Nonce: "n"},
		"exp before iat":   {Audience: "a", Nonce: "n", IssuedAt: now, Expires: now.Add(-time.Second)},
		"exp after 9999":   {Audience: "a", Nonce: "n", IssuedAt: now, Expires: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"iat before 1970":  {Audience: "a", Nonce: "n", IssuedAt: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)},
		"unmarshalable ex": {Audience: "a", Nonce: "n", IssuedAt: now, Extra: map[string]any{"f": func() {}}},
	} {
		if _, err := Present(f.holder, kb, Selection{Credential: issued}); err == nil {
			t.Errorf("%s: Present succeeded", name)
		}
	}
	if _, err := Present(nil, kb, Selection{Credential: issued}); err == nil {
		t.Error("Present without holder succeeded")
	}
}

func TestIssueRejects(t *testing.T) {
	f := newFixture(t)
	base := f.request(map[string]any{"ho_ten": "An"})
	mut := func(fn func(r *IssueRequest)) IssueRequest {
		r := base
		r.Metadata = map[string]any{"rid": "r"}
		r.Claims = map[string]any{"ho_ten": "An"}
		fn(&r)
		return r
	}
	tests := map[string]struct {
		req  IssueRequest
		want error
	}{
		"sub as metadata":       {mut(func(r *IssueRequest) { r.Metadata["sub"] = "075090001234" }), ErrReservedName},
		"cnf as metadata":       {mut(func(r *IssueRequest) { r.Metadata["cnf"] = "x" }), ErrReservedName},
		"name in both":          {mut(func(r *IssueRequest) { r.Metadata["ho_ten"] = "x" }), ErrReservedName},
		"exp as claim":          {mut(func(r *IssueRequest) { r.Claims["exp"] = 1 }), ErrReservedName},
		"_sd as claim":          {mut(func(r *IssueRequest) { r.Claims["_sd"] = 1 }), ErrReservedName},
		"empty claim name":      {mut(func(r *IssueRequest) { r.Claims[""] = 1 }), ErrReservedName},
		"long claim name":       {mut(func(r *IssueRequest) { r.Claims[strings.Repeat("n", MaxNameLen+1)] = 1 }), ErrReservedName},
		"value with _sd":        {mut(func(r *IssueRequest) { r.Claims["addr"] = map[string]any{"_sd": []any{}} }), ErrUnsupported},
		"metadata with ...":     {mut(func(r *IssueRequest) { r.Metadata["list"] = []any{map[string]any{"...": "x"}} }), ErrUnsupported},
		"too many claims":       {mut(func(r *IssueRequest) { r.Claims = bigClaims(MaxDisclosures + 1) }), ErrTooLarge},
		"no holder":             {mut(func(r *IssueRequest) { r.Holder = nil }), nil},
		"no issuer":             {mut(func(r *IssueRequest) { r.Issuer = "" }), nil},
		"no type":               {mut(func(r *IssueRequest) { r.Type = "" }), nil},
		"no iat":                {mut(func(r *IssueRequest) { r.IssuedAt = time.Time{} }), nil},
		"negative decoys":       {mut(func(r *IssueRequest) { r.Decoys = -1 }), nil},
		"too many decoys":       {mut(func(r *IssueRequest) { r.Decoys = MaxDecoys + 1 }), nil},
		"exp before iat":        {mut(func(r *IssueRequest) { r.Expires = r.IssuedAt.Add(-time.Hour) }), nil},
		"iat before 1970":       {mut(func(r *IssueRequest) { r.IssuedAt = time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC) }), nil},
		"exp after 9999":        {mut(func(r *IssueRequest) { r.Expires = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }), nil},
		"unmarshalable value":   {mut(func(r *IssueRequest) { r.Claims["ch"] = make(chan int) }), nil},
		"unmarshalable meta":    {mut(func(r *IssueRequest) { r.Metadata["ch"] = make(chan int) }), nil},
		"too large for one JWT": {mut(func(r *IssueRequest) { r.Metadata["blob"] = strings.Repeat("x", keys.MaxJWSSize) }), keys.ErrTooLarge},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := Issue(f.issuer, tt.req)
			if err == nil || s != "" {
				t.Fatalf("Issue succeeded: %.60s", s)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Issue = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := Issue(nil, base); err == nil {
		t.Fatal("Issue without key succeeded")
	}
	// No claims at all is a valid (if useless) credential, with no _sd.
	r := mut(func(r *IssueRequest) { r.Claims = nil; r.Decoys = 0 })
	s, err := Issue(f.issuer, r)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Verify(s, f.issuedOpts())
	if err != nil || len(p.Credentials[0].Claims) != 0 {
		t.Fatalf("no claims: %v %v", p, err)
	}
}

func bigClaims(n int) map[string]any {
	m := make(map[string]any, n)
	for i := range n {
		m["c"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('a'+i/26))] = i
	}
	return m
}

func TestVerifyOptionErrors(t *testing.T) {
	f := newFixture(t)
	issued := f.issue(t, healthCard())
	if _, err := Verify(issued, VerifyOptions{Now: now}); err == nil {
		t.Fatal("no issuer lookup accepted")
	}
	if _, err := Verify(issued, VerifyOptions{IssuerKey: f.list.Key, Now: now, KeyBinding: &BindingPolicy{}}); err == nil {
		t.Fatal("policy without audience accepted")
	}
	nilKey := func(string, string, time.Time) (*keys.PublicKey, error) { return nil, nil }
	if _, err := Verify(issued, VerifyOptions{IssuerKey: nilKey, Now: now}); !errors.Is(err, ErrIssuerKey) {
		t.Fatalf("nil key from lookup: %v", err)
	}
	// Zero Now means the real clock: the fixture's credential was issued
	// in March 2026 and expires a year later, so only check it runs.
	_, _ = Verify(issued, VerifyOptions{IssuerKey: f.list.Key})
}
