package sdjwt

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// Fixed keys (RFC 7515 A.3 and RFC 8037 A), so inputs the fuzzer saves
// stay meaningful from run to run.
const (
	fuzzIssuerJWK = `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}`
	fuzzHolderJWK = `{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`
)

func fuzzFixture(t testing.TB) *fixture {
	t.Helper()
	issuer, err := keys.ParsePrivateJWK([]byte(fuzzIssuerJWK))
	if err != nil {
		t.Fatal(err)
	}
	holder, err := keys.ParsePrivateJWK([]byte(fuzzHolderJWK))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{root: gen(t, keys.EdDSA), issuer: issuer, holder: holder}
	f.list = trustList(t, f.root, map[string]*keys.PrivateKey{issuerID: f.issuer})
	return f
}

// seeds returns an issued credential, a presentation, the concatenated
// two-credential form Verify refuses, and some broken forms of them.
func seeds(t testing.TB, f *fixture) []string {
	issued := f.issue(t, healthCard())
	other := f.issue(t, map[string]any{"ho_ten": "B", "diem": 9.5})
	one, err := Present(f.holder, f.binding(), Selection{Credential: issued, Disclose: []string{"ho_ten", "gioi_tinh"}})
	if err != nil {
		t.Fatal(err)
	}
	ps := parts(one)
	two := strings.Join(ps[:len(ps)-1], "~") + "~" + other + ps[len(ps)-1]
	return []string{
		issued, one, two,
		ps[0] + "~" + ps[1] + "~" + ps[1] + "~" + ps[3],
		ps[0] + "~" + ps[3],
		strings.TrimSuffix(issued, "~"),
		"~", "~~", ".~.", "a.b.c~d~e.f.g",
		encodeDisclosure(`["s","n","v"]`), encodeDisclosure(`["s","_sd",{"_sd":[]}]`),
	}
}

// katSeeds returns the specification examples in testdata/.
func katSeeds(t testing.TB) []string {
	var out []string
	for _, k := range kats {
		out = append(out, strings.TrimSpace(string(readTestdata(t, k.name+".txt"))))
	}
	return out
}

// FuzzParse: splitting and disclosure parsing never panic, fail only with
// ErrInvalid, and a split serialization joins back to its input.
func FuzzParse(f *testing.F) {
	for _, s := range append(seeds(f, fuzzFixture(f)), katSeeds(f)...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := ParseDisclosure(s); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseDisclosure error %v is not ErrInvalid", err)
		}
		ser, err := split(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("split error %v is not ErrInvalid", err)
			}
			return
		}
		var b strings.Builder
		for _, c := range ser.creds {
			b.WriteString(c.jwt + "~")
			for _, d := range c.disclosures {
				if strings.Contains(d, ".") || d == "" {
					t.Fatalf("disclosure %q", d)
				}
				b.WriteString(d + "~")
			}
		}
		if b.String() != ser.prefix || ser.prefix+ser.kb != s {
			t.Fatalf("split does not join back to %q", s)
		}
		for _, c := range ser.creds {
			for _, d := range c.disclosures {
				if _, err := ParseDisclosure(d); err != nil && !errors.Is(err, ErrInvalid) {
					t.Fatalf("ParseDisclosure error %v is not ErrInvalid", err)
				}
			}
		}
	})
}

// FuzzVerify: Verify never panics, fails only with ErrInvalid, and
// whatever it accepts the issuer really vouched for: every disclosed claim
// carries a value the issuer issued under that name, for this holder.
func FuzzVerify(f *testing.F) {
	fx := fuzzFixture(f)
	for _, s := range seeds(f, fx) {
		f.Add(s, true)
		f.Add(s, false)
	}
	issued := map[string]any{}
	for k, v := range healthCard() {
		issued[k] = v
	}
	issued["diem"] = 9.5
	f.Fuzz(func(t *testing.T, s string, binding bool) {
		opts := fx.verifyOpts()
		if !binding {
			opts = fx.issuedOpts()
		}
		p, err := Verify(s, opts)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			if p != nil {
				t.Fatal("presentation returned with an error")
			}
			return
		}
		for _, c := range p.Credentials {
			if c.Issuer != issuerID || c.KID != fx.issuer.KID() || !c.Holder.Equal(fx.holder.Public()) {
				t.Fatalf("credential from %s/%s for %s", c.Issuer, c.KID, c.Holder.KID())
			}
			for name, v := range c.Claims {
				want, ok := issued[name]
				if name == "ho_ten" && v == "B" {
					continue // the second seed credential's value
				}
				if !ok || !jsonEqual(v, want) {
					t.Fatalf("claim %s = %v was never issued", name, v)
				}
			}
		}
		if binding && (p.KeyBinding == nil || p.KeyBinding.Audience != counterAud) {
			t.Fatal("accepted without the required key binding")
		}
	})
}

// FuzzVerifyStandard: RFC 9901 processing under a standard profile, seeded
// with the specifications' examples (issuer key of RFC 9901 A.5): Verify
// never panics, fails only with ErrInvalid, and what it accepts holds no
// digest placeholder ("_sd", "...") at any depth.
func FuzzVerifyStandard(f *testing.F) {
	key, err := keys.ParsePublicJWK(readTestdata(f, "rfc9901/A.5-issuer-key.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range katSeeds(f) {
		f.Add(s, true)
		f.Add(s, false)
	}
	lookup := func(string, string, time.Time) (*keys.PublicKey, error) { return key, nil }
	f.Fuzz(func(t *testing.T, s string, binding bool) {
		opts := VerifyOptions{IssuerKey: lookup, Now: time.Unix(1748536865+30, 0), Profile: &Profile{}}
		if binding {
			opts.KeyBinding = &BindingPolicy{Audience: "https://verifier.example.org"}
		}
		p, err := Verify(s, opts)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		for _, c := range p.Credentials {
			if placeholder(c.Payload) {
				t.Fatalf("processed payload keeps a placeholder: %v", c.Payload)
			}
		}
	})
}

// placeholder reports whether v holds an "_sd" or "..." member anywhere.
func placeholder(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if k == "_sd" || k == "..." || k == "_sd_alg" || placeholder(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if placeholder(e) {
				return true
			}
		}
	}
	return false
}
