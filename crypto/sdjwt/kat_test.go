package sdjwt

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// Known-answer tests: the examples of RFC 9901 and of the SD-JWT VC draft,
// copied from the specifications' text into testdata/ (see
// testdata/README.md), verified by Verify itself with the issuer key of
// RFC 9901 Appendix A.5, the holder key of their cnf, and the audience,
// nonce and time of their key-binding JWTs.

// katIssuerKey is the example issuer key of RFC 9901 Appendix A.5, which
// also signs the SD-JWT VC draft's examples (it is the key of kid
// "doc-signer-05-25-2022" in that draft's issuer metadata example).
func katIssuerKey(t *testing.T) *keys.PublicKey {
	t.Helper()
	k, err := keys.ParsePublicJWK(readTestdata(t, "rfc9901/A.5-issuer-key.json"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readJSON(t testing.TB, name string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readTestdata(t, name), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// kat is one example: the serialized SD-JWT or SD-JWT+KB, and what the
// specification shows for it.
type kat struct {
	name     string // testdata file, without .txt
	source   string // the specification's section
	typ      string // the typ of its issuer-signed JWT
	iss, kid string // what the issuer-key lookup must be asked for
	// kb, when set, is the key binding the example carries.
	kb *BindingPolicy
	// kbIAT is the key binding's iat: the verifier's clock is set just
	// after it; without a key binding, the clock is 2026-03-15.
	kbIAT int64
	// processed, when set, is the Processed SD-JWT Payload the
	// specification shows for a presentation; input, when set, is the
	// input claims shown for an issuance (every one must come out, plus
	// only registered claims the issuer added).
	processed, input string
	// disclosures is how many disclosures the example holds (all used).
	disclosures int
	// province is why our own profile (nil VerifyOptions.Profile)
	// refuses the example, and the error; nil: it verifies there too.
	province error
	why      string
}

var rfcAud = &BindingPolicy{Audience: "https://verifier.example.org", Nonce: "1234567890"}
var vcAud = &BindingPolicy{Audience: "https://example.com/verifier", Nonce: "1234567890"}

const whyTyp = `our credentials are typ "dc+sd-jwt" (package keys compares typ exactly); RFC 9901's examples use "example+sd-jwt"`
const whyKID = "our issuer-signed JWTs must carry a kid (the trust list looks keys up by it); this example has none"

var kats = []kat{
	{name: "rfc9901/5.1-issuance", source: "RFC 9901 §5.1", typ: "example+sd-jwt", iss: "https://issuer.example.com",
		input: "rfc9901/5.1-input.json", disclosures: 10, province: keys.ErrTyp, why: whyTyp},
	{name: "rfc9901/5.2-presentation", source: "RFC 9901 §5.2", typ: "example+sd-jwt", iss: "https://issuer.example.com",
		kb: rfcAud, kbIAT: 1748536865, processed: "rfc9901/5.2-processed.json", disclosures: 4, province: keys.ErrTyp, why: whyTyp},
	{name: "rfc9901/A.1-presentation", source: "RFC 9901 Appendix A.1", typ: "example+sd-jwt", iss: "https://issuer.example.com",
		processed: "rfc9901/A.1-processed.json", disclosures: 2, province: keys.ErrTyp, why: whyTyp},
	{name: "rfc9901/A.2-presentation", source: "RFC 9901 Appendix A.2", typ: "example+sd-jwt", iss: "https://issuer.example.com",
		processed: "rfc9901/A.2-processed.json", disclosures: 6, province: keys.ErrTyp, why: whyTyp},
	{name: "rfc9901/A.3-issuance", source: "RFC 9901 Appendix A.3", typ: "dc+sd-jwt", iss: "https://pid-issuer.bund.de.example",
		input: "rfc9901/A.3-input.json", disclosures: 27, province: keys.ErrKID, why: whyKID},
	{name: "rfc9901/A.3-presentation", source: "RFC 9901 Appendix A.3", typ: "dc+sd-jwt", iss: "https://pid-issuer.bund.de.example",
		kb: rfcAud, kbIAT: 1748536865, processed: "rfc9901/A.3-processed.json", disclosures: 3, province: keys.ErrKID, why: whyKID},
	{name: "rfc9901/A.4-issuance", source: "RFC 9901 Appendix A.4", typ: "example+sd-jwt", iss: "", // no iss: the W3C VC "issuer"
		input: "rfc9901/A.4-input.json", disclosures: 14, province: keys.ErrTyp, why: whyTyp},
	{name: "rfc9901/A.4-presentation", source: "RFC 9901 Appendix A.4", typ: "example+sd-jwt", iss: "", // no iss: the W3C VC "issuer"
		kb: rfcAud, kbIAT: 1748536865, processed: "rfc9901/A.4-processed.json", disclosures: 4, province: keys.ErrTyp, why: whyTyp},
	{name: "sd-jwt-vc/2.3.1-issuance", source: "draft-ietf-oauth-sd-jwt-vc-18 §2.3.1 (Figure 7)", typ: "dc+sd-jwt",
		iss: "https://example.com/issuer", kid: "doc-signer-05-25-2022", input: "sd-jwt-vc/2.3.1-input.json", disclosures: 9},
	{name: "sd-jwt-vc/2.3.2-presentation", source: "draft-ietf-oauth-sd-jwt-vc-18 §2.3.2 (Figures 8, 9)", typ: "dc+sd-jwt",
		iss: "https://example.com/issuer", kid: "doc-signer-05-25-2022", kb: vcAud, kbIAT: 1785785053,
		processed: "sd-jwt-vc/2.3.2-processed.json", disclosures: 2},
	{name: "sd-jwt-vc/2.3.2-presentation-no-kb", source: "draft-ietf-oauth-sd-jwt-vc-18 §2.3.2 (Figures 10, 11)", typ: "dc+sd-jwt",
		iss: "https://example.com/issuer", processed: "sd-jwt-vc/2.3.2-processed-no-kb.json", disclosures: 2,
		province: keys.ErrKID, why: whyKID},
	{name: "sd-jwt-vc/A.1-pid-issuance", source: "draft-ietf-oauth-sd-jwt-vc-18 Appendix A.1 (Figure 24)", typ: "dc+sd-jwt",
		iss: "https://pid-issuer.aendgard.example", disclosures: 28, province: keys.ErrKID, why: whyKID},
	{name: "sd-jwt-vc/A.1-pid-presentation", source: "draft-ietf-oauth-sd-jwt-vc-18 Appendix A.1 (Figures 26 to 28)", typ: "dc+sd-jwt",
		iss: "https://pid-issuer.aendgard.example", kb: vcAud, kbIAT: 1785785053,
		processed: "sd-jwt-vc/A.1-pid-processed.json", disclosures: 3, province: keys.ErrKID, why: whyKID},
}

// registeredAdded are the claims an issuer adds to the input claims.
var registeredAdded = map[string]bool{"iss": true, "iat": true, "exp": true, "nbf": true, "cnf": true, "vct": true}

func (k kat) opts(t *testing.T, issuer *keys.PublicKey, profile *Profile) VerifyOptions {
	now := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	if k.kb != nil {
		now = time.Unix(k.kbIAT+30, 0)
	}
	return VerifyOptions{
		IssuerKey: func(iss, kid string, _ time.Time) (*keys.PublicKey, error) {
			if iss != k.iss || kid != k.kid {
				return nil, fmt.Errorf("asked for %q key %q, want %q key %q", iss, kid, k.iss, k.kid)
			}
			return issuer, nil
		},
		Now:        now,
		KeyBinding: k.kb,
		Profile:    profile,
	}
}

func TestKnownAnswers(t *testing.T) {
	issuer := katIssuerKey(t)
	for _, k := range kats {
		t.Run(k.name, func(t *testing.T) {
			s := strings.TrimSpace(string(readTestdata(t, k.name+".txt")))
			p, err := Verify(s, k.opts(t, issuer, &Profile{Typ: k.typ}))
			if err != nil {
				t.Fatalf("%s: %v", k.source, err)
			}
			if len(p.Credentials) != 1 {
				t.Fatalf("%d credentials", len(p.Credentials))
			}
			c := p.Credentials[0]
			if n := strings.Count(s, "~") - 1; n != k.disclosures {
				t.Fatalf("%d disclosures, want %d", n, k.disclosures)
			}
			if k.processed != "" {
				want := readJSON(t, k.processed)
				if !reflect.DeepEqual(c.Payload, want) {
					got, _ := json.MarshalIndent(c.Payload, "", "  ")
					t.Fatalf("%s: processed payload\n%s\nthe specification shows\n%s", k.source, got, readTestdata(t, k.processed))
				}
			}
			if k.input != "" {
				in := readJSON(t, k.input)
				for name, v := range in {
					if !reflect.DeepEqual(c.Payload[name], v) {
						t.Errorf("%s: claim %s = %v, the input claims say %v", k.source, name, c.Payload[name], v)
					}
				}
				for name := range c.Payload {
					if _, ok := in[name]; !ok && !registeredAdded[name] {
						t.Errorf("%s: claim %s is in neither the input nor registered", k.source, name)
					}
				}
			}
			if c.Issuer != k.iss || c.KID != k.kid {
				t.Errorf("credential from %q/%q", c.Issuer, c.KID)
			}
			if k.kb != nil {
				if p.KeyBinding == nil || p.KeyBinding.Audience != k.kb.Audience || p.KeyBinding.Nonce != k.kb.Nonce ||
					p.KeyBinding.IssuedAt.Unix() != k.kbIAT || !p.Holder.Equal(c.Holder) {
					t.Errorf("key binding %+v", p.KeyBinding)
				}
			}

			// The same example under our own profile.
			_, err = Verify(s, k.opts(t, issuer, nil))
			switch {
			case k.province == nil && err != nil:
				t.Errorf("our profile refuses it: %v", err)
			case k.province != nil && !errors.Is(err, k.province):
				t.Errorf("our profile: %v, want %v (%s)", err, k.province, k.why)
			}

			// Every disclosure is needed: dropping one breaks sd_hash with
			// a key binding; any byte changed in one is an unreferenced
			// disclosure; and the order of the disclosures does not matter
			// without one.
			ps := parts(s)
			ds := ps[1 : len(ps)-1]
			if k.kb == nil && len(ds) > 1 {
				rev := append([]string{ps[0]}, reversed(ds)...)
				q, err := Verify(strings.Join(rev, "~")+"~", k.opts(t, issuer, &Profile{Typ: k.typ}))
				if err != nil || !reflect.DeepEqual(q.Credentials[0].Payload, c.Payload) {
					t.Errorf("disclosures reversed: %v", err)
				}
			}
			tampered := strings.Replace(s, "~"+ds[0]+"~", "~"+flip(ds[0])+"~", 1)
			if _, err := Verify(tampered, k.opts(t, issuer, &Profile{Typ: k.typ})); !errors.Is(err, ErrUnreferencedDisclosure) && !errors.Is(err, ErrSDHash) {
				t.Errorf("tampered disclosure: %v", err)
			}
		})
	}
}

// TestKnownAnswerProfiles: a standard profile still checks typ when it
// names one, and the issuer key.
func TestKnownAnswerProfiles(t *testing.T) {
	issuer := katIssuerKey(t)
	k := kats[1] // RFC 9901 §5.2
	s := strings.TrimSpace(string(readTestdata(t, k.name+".txt")))
	if _, err := Verify(s, k.opts(t, issuer, &Profile{})); err != nil {
		t.Fatalf("any typ: %v", err)
	}
	if _, err := Verify(s, k.opts(t, issuer, &Profile{Typ: "dc+sd-jwt"})); !errors.Is(err, ErrIssuerJWT) || !errors.Is(err, keys.ErrTyp) {
		t.Fatalf("typ dc+sd-jwt: %v", err)
	}
	other := gen(t, keys.ES256).Public()
	if _, err := Verify(s, k.opts(t, other, &Profile{Typ: k.typ})); !errors.Is(err, ErrIssuerJWT) || !errors.Is(err, keys.ErrSignature) {
		t.Fatalf("another issuer key: %v", err)
	}
	o := k.opts(t, issuer, &Profile{Typ: k.typ})
	o.KeyBinding = &BindingPolicy{Audience: k.kb.Audience, Nonce: "other"}
	if _, err := Verify(s, o); !errors.Is(err, ErrNonce) {
		t.Fatalf("nonce: %v", err)
	}
	o.KeyBinding = nil
	if _, err := Verify(s, o); !errors.Is(err, ErrUnexpectedKeyBinding) {
		t.Fatalf("no binding policy: %v", err)
	}
}

// TestRFC9901DisclosureKnownAnswers: the disclosures of RFC 9901 §5.1
// and their digests.
func TestRFC9901DisclosureKnownAnswers(t *testing.T) {
	for _, v := range rfcDisclosures {
		if got := Digest(v.encoded); got != v.digest {
			t.Errorf("Digest(%s) = %s, the RFC says %s", v.encoded, got, v.digest)
		}
		d, err := ParseDisclosure(v.encoded)
		if err != nil {
			t.Errorf("ParseDisclosure(%s): %v", v.encoded, err)
			continue
		}
		if d.Salt != v.salt || d.Name != v.name || d.Value != v.value || d.Encoded != v.encoded {
			t.Errorf("ParseDisclosure(%s) = %+v", v.encoded, d)
		}
	}
	// The RFC's array-element disclosure ["lklxF5jMYlGTPUovMNIvCA", "US"]:
	// its digest is right. ParseDisclosure reads only object-property
	// disclosures (what Issue writes); Verify processes both kinds.
	const elem = "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0"
	if got := Digest(elem); got != "pFndjkZ_VCzmyTa6UjlZo3dh-ko8aIKQc9DlGzhaVYo" {
		t.Errorf("Digest(array element) = %s", got)
	}
	if _, err := ParseDisclosure(elem); !errors.Is(err, ErrUnsupported) {
		t.Errorf("array-element disclosure: %v, want ErrUnsupported", err)
	}
}

func reversed(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[len(ss)-1-i] = s
	}
	return out
}

// flip changes one character of a base64url string.
func flip(s string) string {
	b := []byte(s)
	if b[2] == 'A' {
		b[2] = 'B'
	} else {
		b[2] = 'A'
	}
	return string(b)
}
