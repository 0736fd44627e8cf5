package sdjwt

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// sdTree builds nested SD-JWT payloads for tests: disclosures with fixed
// salts, and their digests.
type sdTree struct{ n int }

// prop is an object-property disclosure of name and value.
func (s *sdTree) prop(name string, value any) (enc, digest string) {
	s.n++
	raw, _ := json.Marshal([]any{"salt-" + strings.Repeat("p", s.n), name, value})
	enc = b64.EncodeToString(raw)
	return enc, Digest(enc)
}

// elem is an array-element disclosure of value.
func (s *sdTree) elem(value any) (enc, digest string) {
	s.n++
	raw, _ := json.Marshal([]any{"salt-" + strings.Repeat("e", s.n), value})
	enc = b64.EncodeToString(raw)
	return enc, Digest(enc)
}

func sd(digests ...string) []string     { return digests }
func dots(digest string) map[string]any { return map[string]any{"...": digest} }

// nestedCredential is RFC 9901 §6-style data for our profile: a
// structured address (members disclosable one by one, with a decoy), an
// array of nationalities whose elements are disclosable (one decoy
// element), and a recursive disclosure: "family" is disclosable and
// holds a disclosable member that holds a disclosable array element.
type nestedCredential struct {
	payload                                      map[string]any
	street, locality, us, de, family, child, kid string
}

func newNested(f *fixture) nestedCredential {
	var s sdTree
	var n nestedCredential
	var dStreet, dLocality, dUS, dDE, dFamily, dChild, dKid string
	n.street, dStreet = s.prop("street_address", "12 Phạm Văn Thuận")
	n.locality, dLocality = s.prop("locality", "Biên Hòa")
	n.us, dUS = s.elem("US")
	n.de, dDE = s.elem("DE")
	n.kid, dKid = s.elem(map[string]any{"ten": "Bé Na"})
	n.child, dChild = s.prop("children", []any{dots(dKid), dots(newDecoy())})
	n.family, dFamily = s.prop("family", map[string]any{"_sd": sd(dChild, newDecoy()), "size": 3})
	n.payload = f.basePayload(dFamily, newDecoy())
	n.payload["address"] = map[string]any{"_sd": sd(dLocality, newDecoy(), dStreet), "country": "VN"}
	n.payload["nationalities"] = []any{dots(dUS), dots(newDecoy()), dots(dDE), "VN"}
	return n
}

func (n nestedCredential) issue(t *testing.T, f *fixture, disclosures ...string) string {
	t.Helper()
	s := signIssuerJWT(t, f.issuer, n.payload) + "~"
	for _, d := range disclosures {
		s += d + "~"
	}
	return s
}

func TestNested(t *testing.T) {
	f := newFixture(t)
	n := newNested(f)
	all := []string{n.street, n.locality, n.us, n.de, n.family, n.child, n.kid}
	for _, tc := range []struct {
		name        string
		disclosures []string
		payload     string // the processed payload, without iss, iat, vct, cnf
		claims      string // Claims
	}{
		{"nothing disclosed", nil,
			`{"address":{"country":"VN"},"nationalities":["VN"]}`, `{}`},
		{"everything", all,
			`{"address":{"country":"VN","locality":"Biên Hòa","street_address":"12 Phạm Văn Thuận"},` +
				`"family":{"children":[{"ten":"Bé Na"}],"size":3},"nationalities":["US","DE","VN"]}`,
			`{"family":{"children":[{"ten":"Bé Na"}],"size":3}}`},
		{"one address member, one nationality", []string{n.de, n.locality},
			`{"address":{"country":"VN","locality":"Biên Hòa"},"nationalities":["DE","VN"]}`, `{}`},
		{"recursive, the outer level only", []string{n.family},
			`{"address":{"country":"VN"},"family":{"size":3},"nationalities":["VN"]}`, `{"family":{"size":3}}`},
		{"recursive, two levels", []string{n.child, n.family},
			`{"address":{"country":"VN"},"family":{"children":[],"size":3},"nationalities":["VN"]}`, `{"family":{"children":[],"size":3}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Verify(n.issue(t, f, tc.disclosures...), f.issuedOpts())
			if err != nil {
				t.Fatal(err)
			}
			c := p.Credentials[0]
			got := map[string]any{}
			for k, v := range c.Payload {
				if !registeredIssuerClaims[k] {
					got[k] = v
				}
			}
			var want, claims map[string]any
			_ = json.Unmarshal([]byte(tc.payload), &want)
			_ = json.Unmarshal([]byte(tc.claims), &claims)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				t.Fatalf("processed %s\nwant      %s", g, tc.payload)
			}
			if !reflect.DeepEqual(c.Claims, claims) {
				t.Fatalf("claims %v, want %v", c.Claims, claims)
			}
			for k := range c.Metadata {
				if _, ok := c.Claims[k]; ok {
					t.Fatalf("%s both metadata and disclosed", k)
				}
			}
			if c.Payload["iss"] != issuerID || c.Payload["_sd_alg"] != nil || c.Payload["_sd"] != nil {
				t.Fatalf("payload %v", c.Payload)
			}
			// Every order of the disclosures gives the same result.
			for _, perm := range permutations(tc.disclosures, 24) {
				q, err := Verify(n.issue(t, f, perm...), f.issuedOpts())
				if err != nil || !reflect.DeepEqual(q.Credentials[0].Payload, c.Payload) {
					t.Fatalf("order %v: %v", perm, err)
				}
			}
		})
	}
	// A presentation of nested claims: the holder presents the disclosures
	// it chose, in any order it likes, and binds them.
	issued := n.issue(t, f, n.child, n.family, n.locality)
	prefix := issued
	pres := prefix + kbFor(t, f.holder, prefix, nil)
	if _, err := Verify(pres, f.verifyOpts()); err != nil {
		t.Fatal(err)
	}
}

// TestNestedRejects: RFC 9901 §7.1's rules at every depth, each with its
// own error, and the same error whatever the order of the disclosures.
func TestNestedRejects(t *testing.T) {
	f := newFixture(t)
	var s sdTree
	type tc struct {
		name        string
		payload     map[string]any
		disclosures []string
		want        error
	}
	var tests []tc
	add := func(name string, want error, payload map[string]any, ds ...string) {
		tests = append(tests, tc{name, payload, ds, want})
	}
	leaf, dLeaf := s.prop("locality", "Biên Hòa")
	el, dEl := s.elem("US")

	p := f.basePayload(dLeaf)
	p["address"] = map[string]any{"_sd": sd(dLeaf)}
	add("digest twice, top and nested", ErrDuplicateDigest, p, leaf)

	p = f.basePayload()
	p["list"] = []any{dots(dEl), dots(dEl)}
	add("digest twice in one array", ErrDuplicateDigest, p, el)

	decoy := newDecoy()
	p = f.basePayload(decoy)
	p["address"] = map[string]any{"_sd": sd(decoy)}
	add("decoy digest twice", ErrDuplicateDigest, p)

	// A disclosure that references itself cannot be built (its digest
	// covers its own text), but two that reference each other... cannot
	// either; the nearest is a disclosure whose value repeats a digest
	// already met.
	inner, dInner := s.prop("x", map[string]any{"_sd": sd(dLeaf)})
	p = f.basePayload(dInner, dLeaf)
	add("recursive disclosure repeats a digest", ErrDuplicateDigest, p, inner, leaf)

	p = f.basePayload()
	p["address"] = map[string]any{"_sd": "x"}
	add("nested _sd not an array", ErrMalformed, p)

	p = f.basePayload()
	p["address"] = map[string]any{"_sd": []any{5}}
	add("nested _sd not digests", ErrMalformed, p)

	p = f.basePayload()
	p["list"] = []any{map[string]any{"...": 5}}
	add("... not a digest", ErrMalformed, p)

	p = f.basePayload()
	p["list"] = []any{map[string]any{"...": dEl, "extra": 1}}
	add("... with other members", ErrClaimConflict, p, el)

	p = f.basePayload()
	p["address"] = map[string]any{"...": dEl}
	add("... as an object member", ErrClaimConflict, p, el)

	p = f.basePayload()
	p["list"] = []any{dots(dLeaf)}
	add("object-property disclosure in an array", ErrMalformedDisclosure, p, leaf)

	p = f.basePayload()
	p["address"] = map[string]any{"_sd": sd(dEl)}
	add("array-element disclosure in a nested _sd", ErrMalformedDisclosure, p, el)

	p = f.basePayload()
	p["address"] = map[string]any{"_sd": sd(dLeaf), "locality": "Hà Nội"}
	add("nested disclosure clashes with a plain member", ErrClaimConflict, p, leaf)

	leaf2, dLeaf2 := s.prop("locality", "Hà Nội")
	p = f.basePayload()
	p["address"] = map[string]any{"_sd": sd(dLeaf, dLeaf2)}
	add("two nested disclosures of one name", ErrClaimConflict, p, leaf, leaf2)

	bad := encodeDisclosure(`["salt-zzzzzzzzzzzzzzzzzz","_sd",1]`)
	p = f.basePayload()
	p["address"] = map[string]any{"_sd": sd(Digest(bad))}
	add("nested disclosure named _sd", ErrClaimConflict, p, bad)

	p = f.basePayload()
	p["address"] = map[string]any{"_sd_alg": "sha-256"}
	add("_sd_alg below the top level", ErrMalformed, p)

	// The child is presented without its parent: nothing references it.
	child, dChild := s.prop("children", "x")
	parent, dParent := s.prop("family", map[string]any{"_sd": sd(dChild)})
	add("nested disclosure without its parent", ErrUnreferencedDisclosure, f.basePayload(dParent), child)
	_ = parent

	malformed := encodeDisclosure(`["salt-yyyyyyyyyyyyyyyyyy","a"`)
	p = f.basePayload(Digest(malformed))
	add("malformed nested disclosure", ErrMalformedDisclosure, p, malformed)

	// Nesting: MaxDepth levels through disclosures.
	deep, dDeep := s.prop("v", "bottom")
	ds := []string{deep}
	for i := 0; i < MaxDepth; i++ {
		var e string
		e, dDeep = s.prop("v", map[string]any{"_sd": sd(dDeep)})
		ds = append(ds, e)
	}
	add("nested deeper than MaxDepth", ErrTooLarge, f.basePayload(dDeep), ds...)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jwt := signIssuerJWT(t, f.issuer, tt.payload)
			var first string
			for i, perm := range append([][]string{tt.disclosures}, permutations(tt.disclosures, 6)...) {
				_, err := Verify(jwt+"~"+strings.Join(append(perm, ""), "~"), f.issuedOpts())
				if !errors.Is(err, tt.want) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("order %d: Verify = %v, want %v", i, err, tt.want)
				}
				if i == 0 {
					first = err.Error()
				} else if err.Error() != first {
					t.Fatalf("the error depends on the order:\n%s\n%s", first, err)
				}
			}
		})
	}
}

// TestOrderIndependentErrors: with several faults among the disclosures,
// Verify reports the same one whatever their order (the issue's "the
// error differs by disclosure order").
func TestOrderIndependentErrors(t *testing.T) {
	f := newFixture(t)
	var s sdTree
	child, dChild := s.prop("children", "x")
	parent, dParent := s.prop("family", map[string]any{"_sd": sd(dChild)})
	stray, _ := s.prop("stray", "not referenced")
	malformed := encodeDisclosure(`["s","a"`)
	reserved := encodeDisclosure(`["s","exp",1]`)
	jwt := signIssuerJWT(t, f.issuer, f.basePayload(dParent, Digest(malformed), Digest(reserved)))
	set := []string{child, parent, stray, malformed, reserved}
	var first string
	for _, perm := range permutations(set, 120) {
		_, err := Verify(jwt+"~"+strings.Join(perm, "~")+"~", f.issuedOpts())
		if err == nil {
			t.Fatal("accepted")
		}
		if first == "" {
			first = err.Error()
		} else if err.Error() != first {
			t.Fatalf("order %v:\n%s\nfirst:\n%s", perm, err, first)
		}
	}
}

// permutations returns up to max orderings of ss (all of them when there
// are few).
func permutations(ss []string, max int) [][]string {
	var out [][]string
	var rec func(prefix, rest []string)
	rec = func(prefix, rest []string) {
		if len(out) >= max {
			return
		}
		if len(rest) == 0 {
			out = append(out, append([]string(nil), prefix...))
			return
		}
		for i := range rest {
			next := append(append([]string(nil), rest[:i]...), rest[i+1:]...)
			rec(append(prefix, rest[i]), next)
		}
	}
	rec(nil, ss)
	return out
}

// kbHeader signs a key-binding JWT under any header with k.
func kbHeader(t *testing.T, k *keys.PrivateKey, header string, claims map[string]any) string {
	t.Helper()
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString(mustJSON(t, claims))
	return input + "." + b64.EncodeToString(rawSign(t, k, []byte(input)))
}

func kbClaims(prefix string) map[string]any {
	return map[string]any{"aud": counterAud, "nonce": "n", "iat": now.Unix(), "sd_hash": sdHash(prefix)}
}

// TestKeyBindingKID: RFC 9901 §4.3 requires only typ and alg in the
// KB-JWT header; a kid, when present, must name the cnf key.
func TestKeyBindingKID(t *testing.T) {
	f := newFixture(t)
	prefix := f.issue(t, healthCard())
	alg := string(f.holder.Alg())
	for _, tc := range []struct {
		name   string
		header string
		want   []error
	}{
		{"no kid", `{"alg":"` + alg + `","typ":"kb+jwt"}`, nil},
		{"kid the thumbprint", `{"alg":"` + alg + `","typ":"kb+jwt","kid":"` + f.holder.KID() + `"}`, nil},
		{"kid of another key", `{"alg":"` + alg + `","typ":"kb+jwt","kid":"` + f.issuer.KID() + `"}`, []error{ErrKeyBinding, keys.ErrKID}},
		{"kid not a string", `{"alg":"` + alg + `","typ":"kb+jwt","kid":5}`, []error{ErrKeyBinding, keys.ErrKID}},
		{"no typ", `{"alg":"` + alg + `"}`, []error{ErrKeyBinding, keys.ErrTyp}},
		{"typ JWT", `{"alg":"` + alg + `","typ":"JWT"}`, []error{ErrKeyBinding, keys.ErrTyp}},
		{"alg none", `{"alg":"none","typ":"kb+jwt"}`, []error{ErrKeyBinding, keys.ErrAlg}},
		{"alg of another key type", `{"alg":"ES256","typ":"kb+jwt"}`, []error{ErrKeyBinding, keys.ErrAlgMismatch}},
		{"embedded jwk", `{"alg":"` + alg + `","typ":"kb+jwt","jwk":{}}`, []error{ErrKeyBinding, keys.ErrEmbeddedKey}},
		{"crit", `{"alg":"` + alg + `","typ":"kb+jwt","crit":["x"]}`, []error{ErrKeyBinding, keys.ErrCrit}},
		{"unknown member", `{"alg":"` + alg + `","typ":"kb+jwt","x":1}`, []error{ErrKeyBinding, keys.ErrUnknownHeader}},
		{"duplicate member", `{"alg":"` + alg + `","typ":"kb+jwt","typ":"kb+jwt"}`, []error{ErrKeyBinding, keys.ErrMalformed}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(prefix+kbHeader(t, f.holder, tc.header, kbClaims(prefix)), f.verifyOpts())
			if tc.want == nil && err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Fatalf("Verify = %v, want %v", err, w)
				}
			}
		})
	}
}

// TestHolderJWKMembers: cnf.jwk may carry what RFC 7517 allows a public
// signature key, never a private member.
func TestHolderJWKMembers(t *testing.T) {
	f := newFixture(t)
	ec := gen(t, keys.ES256)
	f.holder = ec
	var jwk map[string]any
	_ = json.Unmarshal(mustJSON(t, ec.Public()), &jwk)
	with := func(extra map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range jwk {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	priv := map[string]any{}
	_ = json.Unmarshal(mustJSON(t, ec), &priv)
	for _, tc := range []struct {
		name  string
		jwk   map[string]any
		kbKID string
		want  error
	}{
		{"use sig", with(map[string]any{"use": "sig"}), "", nil},
		{"key_ops verify", with(map[string]any{"key_ops": []string{"verify"}}), "", nil},
		{"alg", with(map[string]any{"alg": "ES256"}), "", nil},
		{"kid of its own, named by the KB", with(map[string]any{"kid": "holder-key-1", "use": "sig"}), "holder-key-1", nil},
		{"kid of its own, KB names the thumbprint", with(map[string]any{"kid": "holder-key-1"}), ec.KID(), nil},
		{"kid of its own, KB names another", with(map[string]any{"kid": "holder-key-1"}), "holder-key-2", keys.ErrKID},
		{"use enc", with(map[string]any{"use": "enc"}), "", keys.ErrKeyMember},
		{"key_ops sign only", with(map[string]any{"key_ops": []string{"sign"}}), "", keys.ErrKeyMember},
		{"key_ops repeated", with(map[string]any{"key_ops": []string{"verify", "verify"}}), "", keys.ErrKeyMember},
		{"alg of another curve", with(map[string]any{"alg": "EdDSA"}), "", keys.ErrUnsupportedKey},
		{"x5c", with(map[string]any{"x5c": []string{"MIIB"}}), "", keys.ErrKeyMember},
		{"private d", priv, "", keys.ErrPrivateMember},
		{"private d with use", func() map[string]any { priv["use"] = "sig"; return priv }(), "", keys.ErrPrivateMember},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := f.basePayload()
			p["cnf"] = map[string]any{"jwk": tc.jwk}
			prefix := signIssuerJWT(t, f.issuer, p) + "~"
			hdr := `{"alg":"ES256","typ":"kb+jwt"}`
			if tc.kbKID != "" {
				hdr = `{"alg":"ES256","typ":"kb+jwt","kid":"` + tc.kbKID + `"}`
			}
			pres, err := Verify(prefix+kbHeader(t, ec, hdr, kbClaims(prefix)), f.verifyOpts())
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !pres.Holder.Equal(ec.Public()) {
					t.Fatal("holder")
				}
				return
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestStandardProfileOptional: under a Profile, iss, iat, vct and cnf may
// be absent; a key binding still needs cnf.
func TestStandardProfileOptional(t *testing.T) {
	f := newFixture(t)
	p := map[string]any{"_sd_alg": "sha-256"}
	jwt := signIssuerJWT(t, f.issuer, p) + "~"
	lookup := func(iss, kid string, _ time.Time) (*keys.PublicKey, error) {
		if iss != "" || kid != f.issuer.KID() {
			return nil, errors.New("unexpected lookup")
		}
		return f.issuer.Public(), nil
	}
	c, err := Verify(jwt, VerifyOptions{IssuerKey: lookup, Now: now, Profile: &Profile{Typ: TypCredential}})
	if err != nil {
		t.Fatal(err)
	}
	if cr := c.Credentials[0]; cr.Holder != nil || cr.Issuer != "" || !cr.IssuedAt.IsZero() || len(cr.Payload) != 0 {
		t.Fatalf("credential %+v", cr)
	}
	if _, err := Verify(jwt, VerifyOptions{IssuerKey: lookup, Now: now}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("our profile: %v", err)
	}
	o := VerifyOptions{IssuerKey: lookup, Now: now, Profile: &Profile{}, KeyBinding: &BindingPolicy{Audience: counterAud}}
	if _, err := Verify(jwt+kbFor(t, f.holder, jwt, nil), o); !errors.Is(err, ErrMalformed) {
		t.Fatalf("key binding without cnf: %v", err)
	}
	o = VerifyOptions{IssuerKey: lookup, Now: now, Profile: &Profile{}, Holder: f.holder.Public()}
	if _, err := Verify(jwt, o); !errors.Is(err, ErrHolderMismatch) {
		t.Fatalf("holder required, no cnf: %v", err)
	}
	// The profile's header policy is package keys' but for kid.
	signed, _ := keys.Sign(f.issuer, TypCredential, []byte(`{}`))
	ps := strings.Split(signed, ".")
	hdr := b64.EncodeToString([]byte(`{"alg":"ES256","typ":"dc+sd-jwt","x5c":["MIIB"]}`))
	input := hdr + "." + ps[1]
	x5c := input + "." + b64.EncodeToString(rawSign(t, f.issuer, []byte(input)))
	if _, err := Verify(x5c+"~", VerifyOptions{IssuerKey: lookup, Now: now, Profile: &Profile{}}); !errors.Is(err, keys.ErrEmbeddedKey) {
		t.Fatalf("x5c header: %v", err)
	}
}
